/**
 * Applying a pipeline through a running engine: the function runs with the template's variables,
 * the engine's endpoints, and STREAMPROC_ENGINE_FUNCTION_ENV's values over both.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../../src/aws/clients.js';
import { callEngine } from '../../../src/local/engine/control-client.js';
import { useInProcessEngine } from '../../helpers/in-process-engine.js';
import { waitUntil } from '../../helpers/wait.js';

const fixture = useInProcessEngine('engine-applier-');

describe('function environment override', () => {
  it('is applied last to the function environment', async () => {
    // Prepare: a pipeline running the echoing test handler.
    const echo = join(fixture.dir, 'echo.json');
    const engine = await fixture.start({ ECHO_FILE: echo, DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
    const pipeline = await fixture.pipeline();
    for (const path of ['/apply/stream', '/apply/table', '/apply/mapping'])
      await callEngine(engine.state.control, 'POST', path, { pipeline });
    const kinesis = await createKinesisClient({
      region: 'us-east-1',
      service: { endpoint: engine.state.endpoints.kinesis, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } },
    });
    // Act
    await kinesis.send(
      new PutRecordCommand({ StreamName: pipeline.stream.name, PartitionKey: 'k', Data: Buffer.from('{}') }),
    );
    kinesis.destroy();
    await waitUntil(() => existsSync(echo), 15_000, 'the handler to write its environment');
    // Assess
    const { env } = JSON.parse(await readFile(echo, 'utf8'));
    expect(env.DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:9');
    expect(env.TABLE_NAME).toBe(pipeline.table.name);
    expect(fixture.logged).toContainEqual(expect.objectContaining({ keys: ['ECHO_FILE', 'DYNAMODB_ENDPOINT'] }));
  });
});
