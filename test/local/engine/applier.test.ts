/**
 * Applying a pipeline through a running engine: the function runs with the template's variables,
 * the engine's endpoints, and STREAMPROC_ENGINE_FUNCTION_ENV's values over both.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../../src/aws/clients.js';
import { callEngine } from '../../../src/local/engine/control-client.js';
import { type RunningEngine, startEngine } from '../../../src/local/engine/lifecycle.js';
import { localPipelineSpec } from '../../../src/local/target/pipeline-spec.js';
import { loadTemplate, resolveParameters } from '../../../src/stack/template.js';
import { ROOT } from '../../helpers/cli.js';

let dir: string;
let engine: RunningEngine | undefined;
let logged: Record<string, unknown>[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engine-applier-'));
  logged = [];
});
afterEach(async () => {
  await engine?.stop('test end');
  engine = undefined;
  await rm(dir, { recursive: true, force: true });
});

const start = (functionEnv?: Record<string, string>) =>
  startEngine({
    stack: 'restart',
    dataDir: dir,
    region: 'us-east-1',
    log: (event) => logged.push(event),
    versions: {},
    ...(functionEnv ? { functionEnv } : {}),
  });

describe('function environment override', () => {
  it('is applied last to the function environment', async () => {
    // Prepare: a pipeline running the echoing test handler.
    const echo = join(dir, 'echo.json');
    engine = await start({ ECHO_FILE: echo, DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
    const template = await loadTemplate();
    const pipeline = localPipelineSpec(template, {
      stack: 'restart',
      region: 'us-east-1',
      parameters: resolveParameters(template, {}),
      failureFile: join(dir, 'failures.jsonl'),
      logFile: join(dir, 'engine.log'),
    });
    pipeline.function.bundlePath = join(ROOT, 'test/fixtures/handlers/recorder.mjs');
    pipeline.function.bundleSha = 'test';
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
    const deadline = Date.now() + 15_000;
    while (!existsSync(echo) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Assess
    const { env } = JSON.parse(await readFile(echo, 'utf8'));
    expect(env.DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:9');
    expect(env.TABLE_NAME).toBe(pipeline.table.name);
    expect(logged).toContainEqual(expect.objectContaining({ keys: ['ECHO_FILE', 'DYNAMODB_ENDPOINT'] }));
  });
});
