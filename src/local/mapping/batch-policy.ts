// What a shard poller does with a batch after an invocation, and which records are too old to try.

import { firstFailedIndex, type ShardRecord } from './kinesis-event.js';
import type { MappingSettings } from './settings.js';

/**
 * Lambda's documented error handling for a Kinesis event source mapping, as plain decisions the
 * poller carries out (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
 * .../kinesis-on-failure-destination.html, .../services-kinesis-batchfailurereporting.html).
 * Nothing here reads a clock, a shard or a file, so every branch is testable with plain values.
 */

/** The settings the decisions depend on. */
export type BatchPolicySettings = Pick<
  MappingSettings,
  'bisectBatchOnFunctionError' | 'maximumRetryAttempts' | 'maximumRecordAgeInSeconds' | 'functionResponseTypes'
>;

/** Records tried together, and how often they were retried (bisecting does not count). */
export interface Attempt {
  records: ShardRecord[];
  retries: number;
}

/** What an invocation returned, as far as the policy cares. */
export type InvocationResult = { status: 'success'; result: unknown } | { status: 'error' };

/** Why an attempt did not wholly succeed; a partial failure names its lowest failed record. */
export type AttemptFailure = { kind: 'function-error' } | { kind: 'partial-failure'; failedSequenceNumber: string };

/**
 * What to do after an invocation. `commit` records are checkpointed first (a partial failure's
 * succeeded prefix); then the rest is retried after `delayMs`, bisected, or discarded.
 */
export type BatchDecision<A extends Attempt> =
  | { action: 'commit'; commit: ShardRecord[] }
  | { action: 'bisect'; failure: AttemptFailure; halves: [A, A] }
  | {
      action: 'retry';
      failure: AttemptFailure;
      commit: ShardRecord[];
      retry: A;
      delayMs: number;
      /**
       * The checkpoint moved (a partial failure after some records succeeded): the rest is a new
       * attempt with a fresh retry budget, as AWS treats it, not a retry of this one.
       */
      fresh: boolean;
    }
  | {
      action: 'discard';
      failure: AttemptFailure;
      commit: ShardRecord[];
      discard: ShardRecord[];
      condition: 'RetryAttemptsExhausted';
    };

/**
 * Decides after one invocation of `attempt`. Halves and retries are copies of `attempt` (so any
 * history the caller keeps on it travels with them) with their own records and retry count.
 */
export function afterInvocation<A extends Attempt>(
  attempt: A,
  outcome: InvocationResult,
  settings: BatchPolicySettings,
): BatchDecision<A> {
  const { records } = attempt;
  const failedFrom =
    outcome.status === 'error'
      ? 0
      : settings.functionResponseTypes.includes('ReportBatchItemFailures')
        ? firstFailedIndex(outcome.result, records)
        : -1;
  if (failedFrom === -1) return { action: 'commit', commit: records };
  if (outcome.status === 'error') {
    const failure: AttemptFailure = { kind: 'function-error' };
    if (settings.bisectBatchOnFunctionError && records.length > 1) {
      // "Splitting batches doesn't consume the retry quota" (kinesis-on-failure-destination).
      const half = Math.ceil(records.length / 2);
      return {
        action: 'bisect',
        failure,
        halves: [
          { ...attempt, records: records.slice(0, half) },
          { ...attempt, records: records.slice(half) },
        ],
      };
    }
    return retryOrDiscard(attempt, failure, [], records, settings);
  }
  // Partial batch response: checkpoint before the lowest failed sequence number and retry from
  // it (services-kinesis-batchfailurereporting).
  const failure: AttemptFailure = {
    kind: 'partial-failure',
    failedSequenceNumber: records[failedFrom]?.sequenceNumber ?? '',
  };
  return retryOrDiscard(attempt, failure, records.slice(0, failedFrom), records.slice(failedFrom), settings);
}

function retryOrDiscard<A extends Attempt>(
  attempt: A,
  failure: AttemptFailure,
  commit: ShardRecord[],
  rest: ShardRecord[],
  settings: BatchPolicySettings,
): BatchDecision<A> {
  // Recorded against AWS: batch size 3, records 0–5, only record 5 reported failed, 3 retries:
  // record 5 is delivered in its batch, then four more times alone (a fresh budget).
  if (commit.length > 0) {
    return {
      action: 'retry',
      failure,
      commit,
      retry: { ...attempt, records: rest, retries: 0 },
      delayMs: 0,
      fresh: true,
    };
  }
  if (settings.maximumRetryAttempts !== -1 && attempt.retries >= settings.maximumRetryAttempts)
    return { action: 'discard', failure, commit, discard: rest, condition: 'RetryAttemptsExhausted' };
  const retries = attempt.retries + 1;
  return {
    action: 'retry',
    failure,
    commit,
    retry: { ...attempt, records: rest, retries },
    delayMs: retryDelayMs(retries),
    fresh: false,
  };
}

/** The first pause of the retry schedule, and its cap (see retryDelayMs). */
export const FIRST_RETRY_DELAY_MS = 250;
export const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The pause before retry number `retry` (1, 2, …): 250 ms, doubling, at most 30 s apart.
 *
 * AWS documents that a failing batch is retried "until the record expires" but not the pacing
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html). This schedule is chosen to
 * reproduce what AWS was observed to do: with unlimited retries and a 60 s record age it made 8
 * attempts before the record expired; this schedule tries at about 0, 0.25, 0.75, 1.75, 3.75,
 * 7.75, 15.75 and 31.75 s (8 attempts), then every 30 s.
 */
export function retryDelayMs(retry: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, retry - 1));
}

/**
 * How long to pause before a retry: the decision's `delayMs`, cut short when the oldest record
 * would pass MaximumRecordAgeInSeconds meanwhile, so that it goes to the on-failure destination
 * when it expires rather than up to 30 s later.
 */
export function retryPauseMs(
  delay: number,
  oldestArrivalMs: number | undefined,
  maximumRecordAgeInSeconds: number,
  nowMs: number,
): number {
  if (maximumRecordAgeInSeconds === -1 || oldestArrivalMs === undefined) return delay;
  const expiresInMs = oldestArrivalMs + maximumRecordAgeInSeconds * 1000 - nowMs + 1;
  return Math.max(0, Math.min(delay, expiresInMs));
}

/**
 * Splits off the records older than MaximumRecordAgeInSeconds, measured from
 * approximateArrivalTimestamp. Records of a shard arrive in order, so the expired ones are a prefix.
 */
export function splitByRecordAge(
  records: ShardRecord[],
  maximumRecordAgeInSeconds: number,
  nowMs: number,
): { expired: ShardRecord[]; live: ShardRecord[] } {
  if (maximumRecordAgeInSeconds === -1) return { expired: [], live: records };
  const oldest = nowMs - maximumRecordAgeInSeconds * 1000;
  let expired = 0;
  while (expired < records.length && (records[expired]?.arrivalMs ?? 0) < oldest) expired++;
  if (expired === 0) return { expired: [], live: records };
  return { expired: records.slice(0, expired), live: records.slice(expired) };
}
