/**
 * An engine restarted on data written before each mapping had its own checkpoint directory (a
 * pipeline.json with one `function` and `mapping`, checkpoints in mapping/checkpoints.json)
 * continues from where it was: nothing redelivered, nothing reset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { callRoute } from '../../../src/local/engine/control-client.js';
import { enginePaths } from '../../../src/local/engine/paths.js';
import type { LocalPipeline } from '../../../src/local/engine/protocol.js';
import { adoptLegacyCheckpoints } from '../../../src/local/mapping/checkpoints.js';
import { useInProcessEngine } from '../../helpers/in-process-engine.js';
import { kinesisClient } from '../../helpers/kinesalite.js';
import { waitUntil } from '../../helpers/wait.js';

const fixture = useInProcessEngine('engine-migration-');

const delivered = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => (JSON.parse(line) as { sequenceNumbers: string[] }).sequenceNumbers)
    : [];

async function put(endpoint: string, stream: string, n: number): Promise<string[]> {
  const kinesis = await kinesisClient(endpoint, 3);
  const response = await kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: Array.from({ length: n }, (_, i) => ({ Data: Buffer.from(`r${i}`), PartitionKey: 'pk' })),
    }),
  );
  kinesis.destroy();
  return (response.Records ?? []).map((r) => r.SequenceNumber ?? '');
}

describe('single-mapping data from an older engine', () => {
  it('is honoured after a restart: checkpoints move to the mapping’s directory, nothing is redelivered', async () => {
    // Prepare: an engine that processed three records, its data then put back in the old layout.
    const recordFile = join(fixture.dir, 'delivered.jsonl');
    const paths = enginePaths(fixture.dir);
    let engine = await fixture.start({ RECORD_FILE: recordFile });
    const pipeline = await fixture.pipeline('recorder.mjs', 'old-sha');
    for (const route of [
      'POST /apply/stream',
      'POST /apply/table',
      'POST /apply/mapping',
      'POST /apply/commit',
    ] as const)
      await callRoute(engine.state.control, route, { pipeline });
    const first = await put(engine.state.endpoints.kinesis, pipeline.stream.name, 3);
    const ownFile = join(paths.mapping, 'EventSourceMapping', 'checkpoints.json');
    await waitUntil(
      () => existsSync(ownFile) && readFileSync(ownFile, 'utf8').includes(first[2] ?? '-'),
      20_000,
      'the checkpoint',
    );
    await fixture.stop();
    await rename(ownFile, join(paths.mapping, 'checkpoints.json'));
    const saved = JSON.parse(await readFile(paths.pipeline, 'utf8')) as LocalPipeline;
    const { functions, mappings, ...rest } = saved;
    const { functionLogicalId: _f, streamLogicalId: _s, ...oldMapping } = mappings[0] as LocalPipeline['mappings'][0];
    const { codeParameter: _c, ...oldFunction } = functions[0] as LocalPipeline['functions'][0];
    await writeFile(paths.pipeline, JSON.stringify({ ...rest, function: oldFunction, mapping: oldMapping }));

    // Act
    engine = await fixture.start({ RECORD_FILE: recordFile });
    const second = await put(engine.state.endpoints.kinesis, pipeline.stream.name, 2);

    // Assess
    await waitUntil(() => delivered(recordFile).includes(second[1] ?? '-'), 20_000, 'the new records');
    expect(delivered(recordFile)).toEqual([...first, ...second]);
    expect(existsSync(join(paths.mapping, 'checkpoints.json'))).toBe(false);
    expect(existsSync(ownFile)).toBe(true);
    const status = await callRoute(engine.state.control, 'GET /status', undefined);
    expect(Object.keys(status.mappings ?? {})).toEqual(['EventSourceMapping']);
  });

  it('gives the old checkpoint file only to the mapping of the function and stream it was written for', async () => {
    // Prepare
    const legacyFile = join(fixture.dir, 'mapping', 'checkpoints.json');
    await mkdir(join(fixture.dir, 'mapping'), { recursive: true });
    await writeFile(legacyFile, JSON.stringify({ version: 1, streamArn: 'arn:s', functionName: 'proc', shards: {} }));
    const file = (id: string) => join(fixture.dir, 'mapping', id, 'checkpoints.json');
    // Act / Assess: a second consumer's mapping does not take the processor's positions.
    expect(
      await adoptLegacyCheckpoints({ legacyFile, file: file('Consumer'), functionName: 'other', streamArn: 'arn:s' }),
    ).toBe(false);
    expect(
      await adoptLegacyCheckpoints({ legacyFile, file: file('Main'), functionName: 'proc', streamArn: 'arn:s' }),
    ).toBe(true);
    expect(existsSync(file('Main'))).toBe(true);
    expect(existsSync(legacyFile)).toBe(false);
  });
});
