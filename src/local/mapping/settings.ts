// An event source mapping's and its function's settings, checked against the ranges AWS accepts.

import { isAbsolute } from 'node:path';
import { UserError } from '../../errors.js';
import { filterPatternProblem, MAX_FILTERS } from './event-filter.js';

/**
 * What an event source mapping and its function are configured with, in the terms and ranges of
 * CreateEventSourceMapping and CreateFunction for a Kinesis source
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
 */

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface MappingSettings {
  /** 1–10000 (AWS default 100). */
  batchSize: number;
  /** 0–300 s: gather records until the batch is full, 6 MB, or the window elapses. */
  maximumBatchingWindowInSeconds: number;
  /** Only for a shard without a checkpoint. */
  startingPosition: StartingPosition;
  /** With AT_TIMESTAMP: epoch seconds (StartingPositionTimestamp); records that arrived at or after it. */
  startingPositionTimestamp?: number;
  /** FilterCriteria.Filters[].Pattern (at most 5); none delivers every record. */
  filterPatterns?: string[];
  bisectBatchOnFunctionError: boolean;
  /** -1 (infinite) or 0–10000. */
  maximumRetryAttempts: number;
  /** -1 (infinite) or 60–604800, measured from approximateArrivalTimestamp. */
  maximumRecordAgeInSeconds: number;
  /** [] or ['ReportBatchItemFailures']. */
  functionResponseTypes: string[];
  /** false pauses polling (default true). */
  enabled?: boolean;
  /** 1–10 concurrent batches per shard, records of one partition key always in the same one (default 1). */
  parallelizationFactor?: number;
  /** 0–900 s; above 0 the function aggregates state over tumbling windows of this length (default 0, off). */
  tumblingWindowInSeconds?: number;
}

export interface FunctionConfig {
  functionName: string;
  /** Absolute path of an ESM bundle, e.g. <root>/dist/processor/index.mjs; loaded in place. */
  bundlePath: string;
  /** Export name; default 'handler'. */
  handler?: string;
  /** The function's own variables (TABLE_NAME, …); Lambda's reserved ones are added over them. */
  environment: Record<string, string>;
  /** 1–900. */
  timeoutSeconds: number;
  /** 128–10240; sets the environment's heap limit and AWS_LAMBDA_FUNCTION_MEMORY_SIZE. */
  memoryMb: number;
  region: string;
}

function check(ok: boolean, message: string, hint: string): void {
  if (!ok) throw new UserError(message, { hint, code: 'MAPPING_INVALID' });
}

function integerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** The ranges of CreateEventSourceMapping for a Kinesis source. */
export function validateMapping(mapping: MappingSettings): void {
  check(integerIn(mapping.batchSize, 1, 10_000), `BatchSize ${mapping.batchSize} is out of range`, 'Use 1 to 10000.');
  check(
    integerIn(mapping.maximumBatchingWindowInSeconds, 0, 300),
    `MaximumBatchingWindowInSeconds ${mapping.maximumBatchingWindowInSeconds} is out of range`,
    'Use 0 to 300 seconds.',
  );
  check(
    ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(mapping.startingPosition),
    `StartingPosition ${String(mapping.startingPosition)} is not supported`,
    'Use TRIM_HORIZON, LATEST or AT_TIMESTAMP.',
  );
  const timestamp = mapping.startingPositionTimestamp;
  check(
    mapping.startingPosition !== 'AT_TIMESTAMP' ||
      (typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp >= 0),
    'StartingPosition AT_TIMESTAMP needs StartingPositionTimestamp',
    'Give the time in epoch seconds (deploy --starting-timestamp takes ISO-8601).',
  );
  const patterns = mapping.filterPatterns ?? [];
  check(
    patterns.length <= MAX_FILTERS,
    `FilterCriteria has ${patterns.length} filters, more than Lambda's ${MAX_FILTERS}`,
    `Use at most ${MAX_FILTERS} patterns (a record passes when any matches).`,
  );
  for (const pattern of patterns) {
    const problem = filterPatternProblem(pattern);
    check(
      problem === undefined,
      `Filter pattern ${pattern.slice(0, 80)} is invalid: ${problem}`,
      'See https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html',
    );
  }
  check(
    mapping.maximumRetryAttempts === -1 || integerIn(mapping.maximumRetryAttempts, 0, 10_000),
    `MaximumRetryAttempts ${mapping.maximumRetryAttempts} is out of range`,
    'Use -1 (infinite) or 0 to 10000.',
  );
  check(
    mapping.maximumRecordAgeInSeconds === -1 || integerIn(mapping.maximumRecordAgeInSeconds, 60, 604_800),
    `MaximumRecordAgeInSeconds ${mapping.maximumRecordAgeInSeconds} is out of range`,
    'Use -1 (infinite) or 60 to 604800 seconds.',
  );
  check(
    integerIn(mapping.parallelizationFactor ?? 1, 1, 10),
    `ParallelizationFactor ${mapping.parallelizationFactor} is out of range`,
    'Use 1 to 10.',
  );
  check(
    integerIn(mapping.tumblingWindowInSeconds ?? 0, 0, 900),
    `TumblingWindowInSeconds ${mapping.tumblingWindowInSeconds} is out of range`,
    'Use 0 (off) to 900 seconds.',
  );
  check(
    mapping.functionResponseTypes.every((type) => type === 'ReportBatchItemFailures'),
    `FunctionResponseTypes ${mapping.functionResponseTypes.join(',')} is not supported`,
    'Use ReportBatchItemFailures or nothing.',
  );
}

export function validateFunction(fn: FunctionConfig): void {
  check(isAbsolute(fn.bundlePath), `Function bundle path ${fn.bundlePath} is not absolute`, 'Pass an absolute path.');
  check(
    integerIn(fn.timeoutSeconds, 1, 900),
    `Function timeout ${fn.timeoutSeconds}s is out of range`,
    'Use 1 to 900 seconds.',
  );
  check(
    integerIn(fn.memoryMb, 128, 10_240),
    `Function memory ${fn.memoryMb} MB is out of range`,
    'Use 128 to 10240 MB.',
  );
}
