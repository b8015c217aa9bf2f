/** What `status` gathers about a pipeline, on either target: the figures the verdict and the view are made of. */
import type { Target } from '../config/settings.js';

/** Rejected records are counted up to this many (through the time index), then shown as "N+". */
export const REJECTED_CAP = 200;
/** Sparkline buckets over the window. */
export const SERIES_BUCKETS = 24;

/** A figure that could not be had, and why (e.g. "AccessDenied on cloudwatch:GetMetricData"). */
export interface Unknown {
  unknown: string;
}

/** A value, or why it is not known. */
export type Known<T> = T | Unknown;

export function isUnknown<T>(value: Known<T>): value is Unknown {
  return typeof value === 'object' && value !== null && 'unknown' in value;
}

/** The value, or `fallback` when it is not known. */
export function valueOr<T, F>(value: Known<T> | undefined, fallback: F): T | F {
  return value === undefined || isUnknown(value) ? fallback : value;
}

export interface StreamFigures {
  name: string;
  shards: Known<number>;
  retentionHours: Known<number>;
  /** Records per second over the window. */
  recordsInPerSecond: Known<number>;
  /** Where "records in" comes from: Kinesis IncomingRecords, or (locally) what the runner read. */
  recordsInSource: 'IncomingRecords' | 'records read by the runner';
}

export interface ShardFigures {
  shardId: string;
  state: string;
  /** Iterator age: now − arrival of the oldest record not yet processed (0 when caught up). */
  lagMs: Known<number>;
  /** Records in the shard after the checkpoint (capped, see `recordsBehindCapped`). */
  recordsBehind: Known<number>;
  recordsBehindCapped?: boolean;
  /** OK, PROBLEM: …, or No records processed. */
  lastResult: Known<string>;
  lastError?: string;
}

export interface MappingFigures {
  /** Enabled, Disabled, Creating… on AWS; running, stopped… locally. */
  state: Known<string>;
  batchSize: Known<number>;
  batchingWindowSeconds: Known<number>;
  maximumRetryAttempts: Known<number>;
  /** AWS's LastProcessingResult, or locally the newest shard's last invocation. */
  lastProcessingResult: Known<string>;
  /** The largest iterator age over the shards (AWS: the window's maximum of IteratorAge). */
  maxLagMs: Known<number>;
  recordsProcessed: Known<number>;
  shards: ShardFigures[];
}

export interface ProcessorFigures {
  name: string;
  invocations: Known<number>;
  errors: Known<number>;
  throttles: Known<number>;
  /** Over the window; null when nothing was invoked. */
  durationP50Ms: Known<number | null>;
  durationP99Ms: Known<number | null>;
}

/**
 * A further consumer of the stream (its own function and event source mapping, `deploy
 * --consumer`): its figures are its own, independent of the processor's.
 */
export interface ConsumerFigures {
  /** The mapping's logical id. */
  mapping: string;
  function: string;
  state: Known<string>;
  batchSize: Known<number>;
  lastProcessingResult: Known<string>;
  maxLagMs: Known<number>;
  /** Records after its own checkpoints, summed over the shards (capped per shard, then "N+"). */
  recordsBehind: Known<number>;
  recordsBehindCapped?: boolean;
  recordsProcessed: Known<number>;
  invocations: Known<number>;
  errors: Known<number>;
}

export interface TableFigures {
  name: string;
  items: Known<number>;
  /** DescribeTable's ItemCount (refreshed by AWS about every 6 h), or the engine's cached count. */
  itemsApproximate: boolean;
  itemsCountedAt?: string;
  /** Malformed records stored as rejected items during the window (capped, see `rejectedCapped`). */
  rejectedRecently: Known<number>;
  rejectedCapped?: boolean;
}

export interface FailureDestinationFigures {
  kind: 'file' | 'sqs';
  /** The failures file, or the queue URL. */
  location: string;
  /** Batches waiting there (SQS: ApproximateNumberOfMessages). */
  failedBatches: Known<number>;
}

/** Per-bucket values over the window, oldest first, for sparklines; empty when not known. */
export interface StatusSeries {
  recordsIn: number[];
  recordsProcessed: number[];
  errors: number[];
  lagMs: number[];
}

export interface StatusFigures {
  stack: string;
  target: Target;
  /** ISO time the figures were gathered. */
  at: string;
  windowSeconds: number;
  /**
   * Local: set when the engine's bounded sample logs (1,000 per shard) cover less than the window;
   * counts, rates and percentiles then cover these last seconds only.
   */
  coveredSeconds?: number;
  /** Anything was deployed (local: the engine was given a pipeline; AWS: the stack exists). */
  deployed: boolean;
  /** The pipeline can process (local: the engine answers; AWS: the stack is in a usable state). */
  running: boolean;
  /** Why it is not running, when it is not (engine not running, ROLLBACK_COMPLETE…). */
  notRunningReason?: string;
  stream?: StreamFigures;
  mapping?: MappingFigures;
  processor?: ProcessorFigures;
  /** Every consumer besides the processor, one per further event source mapping (local target). */
  consumers?: ConsumerFigures[];
  table?: TableFigures;
  failureDestination?: FailureDestinationFigures;
  series?: StatusSeries;
}
