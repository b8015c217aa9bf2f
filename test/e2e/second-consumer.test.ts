/**
 * `deploy --consumer FILE` on the local target, through the built CLI: a second function on the
 * same stream with its own event source mapping. As on AWS, each mapping is independent — "Lambda
 * reads records from the data stream and invokes your function synchronously" per event source
 * mapping, and each mapping keeps its own position in each shard, so one consumer's failures and
 * retries never hold back another's (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
 * "Polling and batching streams"; several consumers of one stream share its read throughput:
 * https://docs.aws.amazon.com/streams/latest/dev/building-consumers.html).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTweetEvent } from '../../lambda/contract/tweet-event.js';
import type { EngineState } from '../../src/local/engine/state.js';
import { runCli, tempDirs } from '../helpers/cli.js';
import { alive, killEngines } from '../helpers/engines.js';
import { kinesisClient } from '../helpers/kinesalite.js';
import { tweetEvent } from '../helpers/records.js';
import { waitUntil } from '../helpers/wait.js';

const dirs = await tempDirs('streamproc-e2e-consumer-');
const STACK = 'cons';
const stackDir = join(dirs.dataDir, 'stacks', STACK);
const seen = { processor: join(dirs.root, 'processor.jsonl'), consumer: join(dirs.root, 'consumer.jsonl') };

afterAll(async () => {
  await killEngines(dirs.dataDir);
  await dirs.cleanup();
});

/** A handler that appends the sequence numbers it was given to `file`, one line per record. */
async function recordingHandler(name: string, file: string): Promise<string> {
  const path = join(dirs.root, `${name}.mjs`);
  await writeFile(
    path,
    `import { appendFileSync } from 'node:fs';
export async function handler(event) {
  const lines = event.Records.map((r) => JSON.stringify({ seq: r.kinesis.sequenceNumber }) + '\\n').join('');
  appendFileSync(${JSON.stringify(file)}, lines);
  console.log(${JSON.stringify(name)} + ' handled ' + event.Records.length);
  return { batchItemFailures: [] };
}
`,
  );
  return path;
}

async function failingHandler(): Promise<string> {
  const path = join(dirs.root, 'failing-consumer.mjs');
  await writeFile(path, `export async function handler() { throw new Error('consumer down'); }\n`);
  return path;
}

const sequences = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { seq: string }).seq)
    : [];

const engineState = async () => JSON.parse(await readFile(join(stackDir, 'engine.json'), 'utf8')) as EngineState;

async function putTweets(n: number): Promise<string[]> {
  const kinesis = await kinesisClient((await engineState()).endpoints.kinesis, 3);
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: `${STACK}-EventStream`,
      Records: Array.from({ length: n }, () => ({
        Data: encodeTweetEvent(tweetEvent({ createdAt: new Date().toISOString() })),
        PartitionKey: 'one-shard',
      })),
    }),
  );
  kinesis.destroy();
  expect(put.FailedRecordCount).toBe(0);
  return (put.Records ?? []).map((r) => r.SequenceNumber ?? '');
}

async function checkpoint(mapping: string): Promise<string | undefined> {
  const file = join(stackDir, 'mapping', mapping, 'checkpoints.json');
  if (!existsSync(file)) return undefined;
  const shards = (JSON.parse(await readFile(file, 'utf8')) as { shards: Record<string, { sequenceNumber?: string }> })
    .shards;
  return Object.values(shards)[0]?.sequenceNumber;
}

const deploy = async (args: string[]) => {
  const result = await runCli(['deploy', '--stack', STACK, '--json', ...args], { env: dirs.env() });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    status: string;
    changes: string[];
    resources: { name: string; value: string }[];
    details: Record<string, unknown>;
  };
};

const sawAll = (file: string, wanted: string[], what: string) =>
  waitUntil(() => wanted.every((seq) => sequences(file).includes(seq)), 30_000, what);

describe('deploy --consumer: a second mapping on the stream (local target, built CLI)', () => {
  let processor = '';
  let consumer = '';
  const early: string[] = [];
  const later: string[] = [];

  it('adds a consumer beside the running processor without resetting or redelivering to it; LATEST skips older records', async () => {
    // Prepare: a deployed processor that has handled three records.
    const init = await runCli(['init', '--yes', '--stack', STACK, '--target', 'local', '--keywords', 'aws'], {
      env: dirs.env(),
    });
    expect(init.code, init.stderr).toBe(0);
    processor = await recordingHandler('processor', seen.processor);
    consumer = await recordingHandler('consumer', seen.consumer);
    await deploy(['--processor', processor]);
    early.push(...(await putTweets(3)));
    await sawAll(seen.processor, early, 'the processor to see the first three records');
    await waitUntil(async () => (await checkpoint('EventSourceMapping')) === early[2], 20_000, 'the checkpoint');

    // Act: add the consumer (ConsumerStartingPosition LATEST by default), then put three more.
    const added = await deploy(['--processor', processor, '--consumer', consumer]);
    later.push(...(await putTweets(3)));

    // Assess: both saw the new records; the consumer none of the older ones; nobody twice.
    await sawAll(seen.processor, later, 'the processor to see the later records');
    await sawAll(seen.consumer, later, 'the consumer to see the later records');
    expect(added.changes).toContain(
      'create event source mapping ConsumerEventSourceMapping (function ConsumerFunction)',
    );
    expect(added.resources.map((r) => r.name)).toContain('Consumer ConsumerEventSourceMapping');
    expect(sequences(seen.processor)).toEqual([...early, ...later]);
    expect(sequences(seen.consumer)).toEqual(later);
    // The processor's runner was not touched by the consumer's arrival: no hot swap, no restart.
    const engineLog = await readFile(join(stackDir, 'engine.log'), 'utf8');
    const processorEvents = engineLog
      .split('\n')
      .filter((line) => line.includes('"mapping":"EventSourceMapping"'))
      .map((line) => (JSON.parse(line) as { event?: string; msg?: string }).event ?? '');
    expect(processorEvents).not.toContain('function-updated');
    expect(processorEvents).not.toContain('mapping-updated');
    await waitUntil(
      async () => (await checkpoint('ConsumerEventSourceMapping')) === later[2],
      20_000,
      'the consumer’s own checkpoint',
    );
    // `status` reports the consumer on its own, beside the processor's mapping.
    const status = await runCli(['status', '--stack', STACK, '--json'], { env: dirs.env() });
    expect(status.code, status.stderr).toBe(0);
    const figures = JSON.parse(status.stdout) as {
      processor: { name: string };
      consumers: { mapping: string; function: string; state: string; recordsProcessed: number }[];
    };
    expect(figures.processor.name).toBe(`${STACK}-DDBEventProcessor`);
    expect(figures.consumers).toEqual([
      expect.objectContaining({
        mapping: 'ConsumerEventSourceMapping',
        function: `${STACK}-Consumer`,
        state: 'running',
        recordsProcessed: 3,
        recordsBehind: 0,
      }),
    ]);
    const human = await runCli(['status', '--stack', STACK], { env: dirs.env() });
    expect(human.stdout).toMatch(/consumer\s+cons-Consumer \(ConsumerEventSourceMapping\) · running/);
    // `logs --consumer` reads the consumer's own log; `logs` stays the processor's.
    const messages = async (args: string[]) => {
      const logs = await runCli(['logs', '--stack', STACK, '--json', ...args], { env: dirs.env() });
      expect(logs.code, logs.stderr).toBe(0);
      return logs.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { message: string }).message);
    };
    await waitUntil(
      async () => (await messages(['--consumer'])).some((m) => m.includes('consumer handled 3')),
      20_000,
      'the consumer’s line in logs --consumer',
    );
    expect((await messages(['--consumer'])).filter((m) => m.includes('processor handled'))).toEqual([]);
    expect((await messages([])).some((m) => m.includes('processor handled'))).toBe(true);
    expect((await messages([])).filter((m) => m.includes('consumer handled'))).toEqual([]);
  });

  it('a later deploy without --consumer keeps it; an engine restarted on the same data redelivers to neither', async () => {
    // Prepare
    const { pid } = await engineState();
    process.kill(pid, 'SIGTERM');
    await waitUntil(() => !alive(pid), 20_000, 'the engine to stop');

    // Act: the deploy restarts the engine; both mappings resume from their own checkpoints.
    const restarted = await deploy(['--processor', processor]);
    const after = await putTweets(2);

    // Assess
    expect(restarted.status).toBe('restarted');
    await sawAll(seen.processor, after, 'the processor after the restart');
    await sawAll(seen.consumer, after, 'the consumer after the restart');
    expect(sequences(seen.processor)).toEqual([...early, ...later, ...after]);
    expect(sequences(seen.consumer)).toEqual([...later, ...after]);
    later.push(...after);
  });

  it('a failing consumer retries on its own mapping without holding back the processor', async () => {
    // Prepare
    await deploy(['--processor', processor, '--consumer', await failingHandler()]);
    const consumerAt = await checkpoint('ConsumerEventSourceMapping');

    // Act
    const more = await putTweets(2);

    // Assess: the processor got them and checkpointed; the consumer's checkpoint has not moved.
    await sawAll(seen.processor, more, 'the processor while the consumer fails');
    await waitUntil(async () => (await checkpoint('EventSourceMapping')) === more[1], 20_000, 'processor checkpoint');
    expect(await checkpoint('ConsumerEventSourceMapping')).toBe(consumerAt);
    // `status` shows the failing consumer behind by exactly those records, on its own line.
    const status = await runCli(['status', '--stack', STACK, '--json'], { env: dirs.env() });
    const figures = JSON.parse(status.stdout) as { consumers: { recordsBehind: number }[] };
    expect(figures.consumers[0]?.recordsBehind).toBe(2);
    later.push(...more);
  });

  it('--no-consumer removes it; a new consumer at TRIM_HORIZON reads the stream from the start, the processor nothing again', async () => {
    // Act
    const removed = await deploy(['--processor', processor, '--no-consumer']);
    expect(removed.changes).toContain(
      'delete event source mapping ConsumerEventSourceMapping (its checkpoints go with it)',
    );
    expect(existsSync(join(stackDir, 'mapping', 'ConsumerEventSourceMapping'))).toBe(false);
    const noConsumer = await runCli(['logs', '--stack', STACK, '--consumer'], { env: dirs.env() });
    expect(noConsumer.code).toBe(2);
    expect(noConsumer.stderr).toContain(`Stack ${STACK} has no second consumer`);
    expect(noConsumer.stderr).toContain(`deploy --stack ${STACK} --consumer`);
    await writeFile(seen.consumer, '');
    await deploy(['--processor', processor, '--consumer', consumer, '--consumer-starting-position', 'TRIM_HORIZON']);

    // Assess
    const all = [...early, ...later];
    await sawAll(seen.consumer, all, 'the new consumer to read from the start');
    expect(sequences(seen.consumer)).toEqual(all);
    expect(sequences(seen.processor)).toEqual(all);
  });
});
