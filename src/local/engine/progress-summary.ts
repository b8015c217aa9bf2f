/**
 * The mapping's progress in the engine log: the runner logs failures as they happen; totals,
 * lag and checkpoints go out periodically, and only when records moved since the last line.
 */
import type { MappingRunner } from '../mapping/runner.js';

type MappingStats = ReturnType<MappingRunner['stats']>;

/** One log event summing the shards' counters. */
export function progressSummary(stats: MappingStats): Record<string, unknown> & { records: number } {
  const total = (
    key: 'records' | 'filtered' | 'batches' | 'invocations' | 'functionErrors' | 'sentToFailureDestination',
  ) => stats.shards.reduce((sum, shard) => sum + shard[key], 0);
  return {
    msg: 'mapping progress',
    state: stats.state,
    records: total('records'),
    filtered: total('filtered'),
    batches: total('batches'),
    invocations: total('invocations'),
    functionErrors: total('functionErrors'),
    sentToFailureDestination: total('sentToFailureDestination'),
    maxLagMs: Math.max(0, ...stats.shards.map((shard) => shard.lagMs)),
    checkpoints: Object.fromEntries(stats.shards.map((shard) => [shard.shardId, shard.checkpoint])),
  };
}

export interface ProgressSummaryOptions {
  /**
   * The running mappings' stats: one mapping's (undefined while none runs), or every mapping's by
   * logical id, each summarised on its own line (with `mapping`) when its records moved.
   */
  stats: () => MappingStats | Record<string, MappingStats> | undefined;
  log: (event: Record<string, unknown>) => void;
  /** Default 10 s. */
  everyMs?: number;
}

/** Logs a summary every `everyMs` when the record count (delivered or filtered) changed; returns the stop function. */
export function startProgressSummary(options: ProgressSummaryOptions): () => void {
  const lastRecords = new Map<string, number>();
  const timer = setInterval(() => {
    const stats = options.stats();
    if (!stats) return;
    const byMapping: [string | undefined, MappingStats][] =
      'shards' in stats && Array.isArray(stats.shards)
        ? [[undefined, stats as MappingStats]]
        : Object.entries(stats as Record<string, MappingStats>);
    for (const [mapping, one] of byMapping) {
      const summary = progressSummary(one);
      const moved = summary.records + Number(summary.filtered);
      if (moved === (lastRecords.get(mapping ?? '') ?? -1)) continue;
      lastRecords.set(mapping ?? '', moved);
      options.log(mapping === undefined ? summary : { ...summary, mapping });
    }
  }, options.everyMs ?? 10_000);
  // The summary never keeps the engine alive on its own.
  timer.unref();
  return () => clearInterval(timer);
}
