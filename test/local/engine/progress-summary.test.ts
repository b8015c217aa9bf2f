/** The mapping progress line: totals, lag and checkpoints, logged on a timer only when records moved. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressSummary, startProgressSummary } from '../../../src/local/engine/progress-summary.js';
import { emptyShardCounters } from '../../../src/local/mapping/reports.js';

type Stats = Parameters<typeof progressSummary>[0];
type Shard = Stats['shards'][number];

const shard = (overrides: Partial<Shard>): Shard => ({
  shardId: 'shardId-000000000000',
  state: 'polling',
  lagMs: 0,
  ...emptyShardCounters(),
  ...overrides,
});
const stats = (shards: Shard[]): Stats => ({
  state: 'running',
  streamName: 's',
  functionName: 'f',
  checkpointFile: 'c',
  failureFile: 'x',
  shards,
});

describe('progress summary', () => {
  it('sums the shards, takes the largest lag and lists each checkpoint', () => {
    const summary = progressSummary(
      stats([
        shard({ shardId: 'a', records: 3, batches: 1, invocations: 2, functionErrors: 1, lagMs: 40, checkpoint: '9' }),
        shard({
          shardId: 'b',
          records: 4,
          filtered: 6,
          batches: 2,
          invocations: 2,
          sentToFailureDestination: 1,
          lagMs: 15,
        }),
      ]),
    );
    expect(summary).toEqual({
      msg: 'mapping progress',
      state: 'running',
      records: 7,
      filtered: 6,
      batches: 3,
      invocations: 4,
      functionErrors: 1,
      sentToFailureDestination: 1,
      maxLagMs: 40,
      checkpoints: { a: '9', b: undefined },
    });
  });

  describe('on a timer', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('logs only while a mapping runs and only when records moved', () => {
      // Prepare
      let current: Stats | undefined;
      const logged: Record<string, unknown>[] = [];
      const stop = startProgressSummary({ stats: () => current, log: (e) => logged.push(e), everyMs: 1_000 });
      // Act / Assess
      vi.advanceTimersByTime(1_000);
      expect(logged).toEqual([]);
      current = stats([shard({ records: 5 })]);
      vi.advanceTimersByTime(1_000);
      vi.advanceTimersByTime(1_000);
      expect(logged.map((e) => e.records)).toEqual([5]);
      current = stats([shard({ records: 6 })]);
      vi.advanceTimersByTime(1_000);
      expect(logged.map((e) => e.records)).toEqual([5, 6]);
      // Records the filter dropped move the mapping on too.
      current = stats([shard({ records: 6, filtered: 2 })]);
      vi.advanceTimersByTime(1_000);
      expect(logged.map((e) => [e.records, e.filtered])).toEqual([
        [5, 0],
        [6, 0],
        [6, 2],
      ]);
      stop();
      current = stats([shard({ records: 7 })]);
      vi.advanceTimersByTime(5_000);
      expect(logged.map((e) => e.records)).toEqual([5, 6, 6]);
    });

    it('summarises each mapping on its own line, naming it, when that mapping moved', () => {
      // Prepare: the processor's mapping and a second consumer's
      let current: Record<string, Stats> = {};
      const logged: Record<string, unknown>[] = [];
      const stop = startProgressSummary({ stats: () => current, log: (e) => logged.push(e), everyMs: 1_000 });
      // Act
      current = { EventSourceMapping: stats([shard({ records: 5 })]), Consumer: stats([shard({ records: 2 })]) };
      vi.advanceTimersByTime(1_000);
      current = { EventSourceMapping: stats([shard({ records: 5 })]), Consumer: stats([shard({ records: 3 })]) };
      vi.advanceTimersByTime(1_000);
      stop();
      // Assess
      expect(logged.map((e) => [e.mapping, e.records])).toEqual([
        ['EventSourceMapping', 5],
        ['Consumer', 2],
        ['Consumer', 3],
      ]);
    });
  });
});
