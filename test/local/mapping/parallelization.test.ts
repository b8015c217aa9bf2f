// ParallelizationFactor: concurrent batches per shard, per-key order, and a checkpoint that never passes an unhandled record.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShardRecord } from '../../../src/local/mapping/kinesis-event.js';
import { assignLanes, HandledPrefix, laneOf } from '../../../src/local/mapping/parallelization.js';
import {
  createStream,
  fn,
  type Invocation,
  mapping,
  put,
  readLines,
  type TestRecord,
  useRunnerFixtures,
  waitFor,
} from '../../helpers/mapping-harness.js';

// https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-parallelization:
// up to ParallelizationFactor batches of one shard are processed at once, "while still maintaining
// in-order processing at the partition-key level".
const DOC = 'https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-parallelization';

function shardRecord(sequenceNumber: string, partitionKey = 'pk'): ShardRecord {
  return { sequenceNumber, partitionKey, data: '', arrivalMs: 0, eventBytes: 500 };
}

/** A partition key that falls into `lane` of `factor`, and is not one of `taken`. */
function keyInLane(lane: number, factor: number, taken: string[] = []): string {
  for (let i = 0; ; i++) {
    const key = `key-${i}`;
    if (laneOf(key, factor) === lane && !taken.includes(key)) return key;
  }
}

describe('lanes and the handled prefix (pure)', () => {
  it('puts every record of a partition key in one lane, in shard order, and spreads keys over all lanes', () => {
    // Prepare
    const records = Array.from({ length: 400 }, (_, i) => shardRecord(String(1000 + i), `user-${i % 40}`));

    // Act
    const lanes = assignLanes(records, 4);

    // Assess
    expect(lanes).toHaveLength(4);
    expect(lanes.every((lane) => lane.length > 0)).toBe(true);
    for (const lane of lanes) {
      const sequence = lane.map((record) => Number(record.sequenceNumber));
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
      for (const record of lane) expect(laneOf(record.partitionKey, 4)).toBe(lanes.indexOf(lane));
    }
    expect(assignLanes(records, 1)).toEqual([records]);
  });

  it('moves the checkpoint only to the highest sequence number with every record at or below it handled', () => {
    // Prepare
    const [a, b, c, d, e] = ['1', '2', '3', '4', '5'].map((n) => shardRecord(n));
    const prefix = new HandledPrefix();
    prefix.add([a, b, c] as ShardRecord[]);
    prefix.add([d, e] as ShardRecord[]);

    // Act + Assess: handled out of order, the checkpoint waits for the gaps.
    expect(prefix.markHandled([b, d] as ShardRecord[])).toBeUndefined();
    expect(prefix.outstanding).toBe(5);
    expect(prefix.markHandled([a] as ShardRecord[])).toBe('2');
    expect(prefix.markHandled([e] as ShardRecord[])).toBeUndefined();
    expect(prefix.markHandled([c] as ShardRecord[])).toBe('5');
    expect(prefix.outstanding).toBe(0);
  });

  it('forgets everything on clear, for a shard read again from its checkpoint', () => {
    // Prepare
    const prefix = new HandledPrefix();
    prefix.add([shardRecord('1'), shardRecord('2')]);
    prefix.markHandled([shardRecord('2')]);

    // Act
    prefix.clear();
    prefix.add([shardRecord('1')]);

    // Assess
    expect(prefix.markHandled([shardRecord('1')])).toBe('1');
    expect(prefix.outstanding).toBe(0);
  });
});

const fx = useRunnerFixtures();

/** Largest number of invocations running at the same moment, from their start/end lines. */
function maxConcurrency(lines: Invocation[]): number {
  const edges = lines.map((line) => [line.at, line.phase === 'start' ? 1 : -1] as const);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let max = 0;
  for (const [, step] of edges) {
    now += step;
    max = Math.max(max, now);
  }
  return max;
}

describe(`ParallelizationFactor (${DOC})`, () => {
  it('runs up to N batches of one shard at once and keeps every partition key in order', async () => {
    // Prepare: 40 partition keys, 10 records each, interleaved; a handler taking 100 ms a batch.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sent: TestRecord[] = Array.from({ length: 400 }, (_, i) => ({
      data: `user-${i % 40}:${Math.floor(i / 40)}`,
      partitionKey: `user-${i % 40}`,
    }));
    const sequence = await put(kinesis, stream.streamName, sent);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 10, parallelizationFactor: 4 }),
      fn: fn('slow.mjs', { RECORD_FILE: fx.ws.recordFile, DELAY_MS: '100' }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[399], 30_000, 'the last record checkpointed');

    // Assess: more than one batch in flight, never more than 4, in 4 environments.
    const lines = readLines(fx.ws.recordFile);
    const starts = lines.filter((line) => line.phase === 'start');
    expect(maxConcurrency(lines)).toBeGreaterThan(1);
    expect(maxConcurrency(lines)).toBeLessThanOrEqual(4);
    expect(new Set(starts.map((line) => line.pid)).size).toBe(4);
    // Every record once, and each key's records in the order they were put.
    expect(starts.flatMap((line) => line.data).sort()).toEqual(sent.map((record) => record.data).sort());
    const byKey = new Map<string, number[]>();
    for (const line of [...starts].sort((x, y) => x.at - y.at))
      for (const data of line.data) {
        const [key, index] = data.split(':') as [string, string];
        byKey.set(key, [...(byKey.get(key) ?? []), Number(index)]);
      }
    expect(byKey.size).toBe(40);
    for (const indexes of byKey.values()) expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(runner.stats().shards[0]).toMatchObject({ records: 400, functionErrors: 0, lagMs: 0 });
  });

  it('does not checkpoint past the records of a failing lane while the other lanes carry on', async () => {
    // Prepare: lane 0 gets a poison record that fails until released; lane 1 gets a record before
    // it and ten after it. Records after the poison in lane 0 must wait behind it (same key).
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const slow = keyInLane(0, 2);
    const fast = keyInLane(1, 2);
    const sent: TestRecord[] = [
      { data: 'fast-first', partitionKey: fast },
      { data: 'poison', partitionKey: slow },
      ...Array.from({ length: 10 }, (_, i) => ({ data: `fast-${i}`, partitionKey: fast })),
      { data: 'slow-after', partitionKey: slow },
    ];
    const sequence = await put(kinesis, stream.streamName, sent);
    const releaseFile = join(fx.ws.dir, 'release');
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 1, parallelizationFactor: 2, maximumRetryAttempts: -1 }),
      fn: fn('poison-until-released.mjs', { RECORD_FILE: fx.ws.recordFile, RELEASE_FILE: releaseFile }),
    });

    // Act: wait until lane 1 is through and the poison has failed at least twice.
    await runner.start();
    await waitFor(() => {
      const lines = readLines(fx.ws.recordFile);
      const fastDone = lines.some((line) => line.data.includes('fast-9'));
      // Counted by the runner (the handler writes its line before it throws).
      return fastDone && (runner.stats().shards[0]?.functionErrors ?? 0) >= 2;
    });
    const whileFailing = runner.stats().shards[0];
    const seenWhileFailing = readLines(fx.ws.recordFile).flatMap((line) => line.data);
    writeFileSync(releaseFile, '');
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[12], 10_000, 'the last record checkpointed');

    // Assess: while lane 0 failed, the checkpoint stayed on the record before the poison, and the
    // record behind the poison (same key) was not delivered; after the fix everything was.
    expect(whileFailing?.checkpoint).toBe(sequence[0]);
    expect(whileFailing?.functionErrors).toBeGreaterThanOrEqual(2);
    expect(seenWhileFailing).not.toContain('slow-after');
    const delivered = readLines(fx.ws.recordFile)
      .filter((line) => !line.failing)
      .flatMap((line) => line.data);
    expect(delivered.sort()).toEqual(sent.map((record) => record.data).sort());
  });
  it('sends the exhausted batch of a lane to the on-failure destination, then checkpoints past it', async () => {
    // Prepare: the poison record fails forever; MaximumRetryAttempts 1 gives up on it.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const slow = keyInLane(0, 2);
    const fast = keyInLane(1, 2);
    const sent: TestRecord[] = [
      { data: 'poison', partitionKey: slow },
      ...Array.from({ length: 5 }, (_, i) => ({ data: `fast-${i}`, partitionKey: fast })),
      { data: 'slow-after', partitionKey: slow },
    ];
    const sequence = await put(kinesis, stream.streamName, sent);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 1, parallelizationFactor: 2, maximumRetryAttempts: 1 }),
      fn: fn('poison-until-released.mjs', { RECORD_FILE: fx.ws.recordFile, RELEASE_FILE: join(fx.ws.dir, 'never') }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[6], 10_000, 'the last record checkpointed');

    // Assess: the poison was tried twice (1 retry), then written to the failure file; the rest
    // of its lane and the other lane went through.
    const failures = readLines<{ KinesisBatchInfo: { startSequenceNumber: string; batchSize: number } }>(
      join(fx.ws.stateDir, 'failures.jsonl'),
    );
    expect(failures.map((failure) => failure.KinesisBatchInfo)).toEqual([
      expect.objectContaining({ startSequenceNumber: sequence[0], batchSize: 1 }),
    ]);
    const lines = readLines(fx.ws.recordFile);
    expect(lines.filter((line) => line.failing)).toHaveLength(2);
    expect(
      lines
        .flatMap((line) => line.data)
        .filter((data) => data !== 'poison')
        .sort(),
    ).toEqual(
      sent
        .map((record) => record.data)
        .filter((data) => data !== 'poison')
        .sort(),
    );
    expect(runner.stats().shards[0]).toMatchObject({ records: 6, sentToFailureDestination: 1, retries: 1 });
  });
  it('does not checkpoint past a failing lane because later records were filtered out', async () => {
    // Prepare: a poison record in lane 0, then records FilterCriteria drops, then one it keeps in lane 1.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const slow = keyInLane(0, 2);
    const fast = keyInLane(1, 2);
    const json = (value: object) => JSON.stringify(value);
    const sent: TestRecord[] = [
      { data: json({ kind: 'keep', v: 'poison' }), partitionKey: slow },
      ...Array.from({ length: 3 }, (_, i) => ({ data: json({ kind: 'drop', v: i }), partitionKey: fast })),
      { data: json({ kind: 'keep', v: 'fast-0' }), partitionKey: fast },
    ];
    const sequence = await put(kinesis, stream.streamName, sent);
    const releaseFile = join(fx.ws.dir, 'release');
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({
        batchSize: 1,
        parallelizationFactor: 2,
        filterPatterns: [json({ data: { kind: ['keep'] } })],
      }),
      fn: fn('poison-until-released.mjs', { RECORD_FILE: fx.ws.recordFile, RELEASE_FILE: releaseFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => {
      const lines = readLines(fx.ws.recordFile);
      const fastDone = lines.some((line) => line.data.some((data) => data.includes('fast-0')));
      return fastDone && (runner.stats().shards[0]?.functionErrors ?? 0) >= 2;
    });
    const whileFailing = runner.stats().shards[0];
    writeFileSync(releaseFile, '');
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[4], 10_000, 'the last record checkpointed');

    // Assess: the dropped records were counted, never delivered, and did not move the checkpoint
    // past the poison record while it failed.
    expect(whileFailing?.checkpoint).toBeUndefined();
    expect(whileFailing?.filtered).toBe(3);
    expect(
      readLines(fx.ws.recordFile)
        .flatMap((line) => line.data)
        .filter((data) => data.includes('drop')),
    ).toEqual([]);
  });
});
