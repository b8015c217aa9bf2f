// What a shard reports for `status`: records read once per batch, and each invocation's result, duration and size.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecentLog } from '../../../src/local/mapping/invocation-log.js';
import {
  createStream,
  fn,
  mapping,
  put,
  readLines,
  records,
  useRunnerFixtures,
  waitFor,
} from '../../helpers/mapping-harness.js';

const fx = useRunnerFixtures();

describe('shard samples for status', () => {
  it('a partial failure then its retry: two invocations (partial, ok), the batch read once', async () => {
    // Prepare: r3 fails on the first invocation only.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sent = records(8).map((r, i) => (i === 3 ? { data: `${r.data}-fail` } : r));
    const sequence = await put(kinesis, stream.streamName, sent);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 8, functionResponseTypes: ['ReportBatchItemFailures'] }),
      fn: fn('partial-failure.mjs', {
        RECORD_FILE: fx.ws.recordFile,
        STATE_FILE: join(fx.ws.dir, 'count'),
        FAILURES: '1',
      }),
    });

    // Act
    const before = Date.now();
    await runner.start();
    await waitFor(() => readLines(fx.ws.recordFile).length >= 2);
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[7]);

    // Assess
    const shard = runner.stats().shards[0];
    expect(shard?.recordsRead).toBe(8);
    expect(shard?.recentReads?.map((r) => r.records)).toEqual([8]);
    expect(shard?.recent?.map((s) => [s.result, s.records])).toEqual([
      ['partial', 8],
      ['ok', 5],
    ]);
    for (const sample of shard?.recent ?? []) {
      expect(sample.at).toBeGreaterThanOrEqual(before);
      expect(sample.durationMs).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('RecentLog', () => {
  it('keeps the newest samples up to its limit and filters by time', () => {
    const log = new RecentLog<{ at: number }>(3);
    for (const at of [1, 2, 3, 4, 5]) log.add({ at });
    expect(log.since()).toEqual([{ at: 3 }, { at: 4 }, { at: 5 }]);
    expect(log.since(4)).toEqual([{ at: 4 }, { at: 5 }]);
  });
});
