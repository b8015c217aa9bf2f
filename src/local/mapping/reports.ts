// What the mapping runner, its shard pollers and function invokers report: log entries and stats.

import type { InvocationSample, ReadSample } from './invocation-log.js';

/**
 * These sit apart from runner.ts so that the runner → poller → invoker chain imports one way:
 * every level reports through them, none needs the level above.
 */

export interface RunnerLogEntry extends Record<string, unknown> {
  level: 'debug' | 'info' | 'warn' | 'error';
  /** Stable kebab-case name, e.g. 'function-error', 'batch-discarded', 'shard-error'. */
  event: string;
  shardId?: string;
}
export type RunnerLog = (entry: RunnerLogEntry) => void;

/** One line the function wrote ('stdout'/'stderr'), or a Lambda platform line (START/END/REPORT, timeouts). */
export type FunctionLogSink = (
  line: string,
  meta: { stream: 'stdout' | 'stderr' | 'platform'; shardId?: string; functionName: string },
) => void;

export interface ShardStats {
  shardId: string;
  state: 'waiting-for-parent' | 'polling' | 'invoking' | 'closed' | 'stopped';
  /** Last sequence number checkpointed. */
  checkpoint?: string;
  /** now − arrival of the newest record read but not yet checkpointed; 0 when caught up (Lambda's IteratorAge). */
  lagMs: number;
  /** Batches read from the shard (a bisected or retried batch counts once). */
  batches: number;
  invocations: number;
  /** Records that succeeded (checkpointed after success). */
  records: number;
  /** Records FilterCriteria dropped: never delivered, checkpointed past. */
  filtered: number;
  functionErrors: number;
  partialFailures: number;
  retries: number;
  bisects: number;
  sentToFailureDestination: number;
  recordsSentToFailureDestination: number;
  lastError?: { message: string; at: string };
  /** Records read from the shard (each record once, however often its batch is retried). */
  recordsRead?: number;
  /** The newest invocations, bounded (see invocation-log.ts), for rates and duration percentiles. */
  recent?: InvocationSample[];
  /** The newest batches read, bounded likewise: `status` computes records in per second from them. */
  recentReads?: ReadSample[];
}

export interface MappingStats {
  state: 'idle' | 'running' | 'disabled' | 'stopping' | 'stopped';
  streamName: string;
  functionName: string;
  checkpointFile: string;
  failureFile: string;
  shards: ShardStats[];
}

/** The counting part of ShardStats. */
export type ShardCounters = Omit<
  ShardStats,
  'shardId' | 'state' | 'checkpoint' | 'lagMs' | 'lastError' | 'recordsRead' | 'recent' | 'recentReads'
>;

/** The per-shard counters `stats()` reports, all zero (a shard not polled yet shows these too). */
export function emptyShardCounters(): ShardCounters {
  return {
    batches: 0,
    invocations: 0,
    records: 0,
    filtered: 0,
    functionErrors: 0,
    partialFailures: 0,
    retries: 0,
    bisects: 0,
    sentToFailureDestination: 0,
    recordsSentToFailureDestination: 0,
  };
}

/** How an error reads in a log entry or a shard's lastError. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
