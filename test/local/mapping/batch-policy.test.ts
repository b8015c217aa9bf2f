// The batch policy with plain values: every decision the poller carries out after an invocation.

import { describe, expect, it } from 'vitest';
import {
  type Attempt,
  afterInvocation,
  type BatchPolicySettings,
  MAX_RETRY_DELAY_MS,
  retryDelayMs,
  retryPauseMs,
  splitByRecordAge,
} from '../../../src/local/mapping/batch-policy.js';
import type { ShardRecord } from '../../../src/local/mapping/kinesis-event.js';

/** Records with sequence numbers 100, 101, … arriving one second apart from `arrivalMs`. */
function shardRecords(count: number, arrivalMs = 1_000_000): ShardRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    sequenceNumber: String(100 + i),
    partitionKey: 'pk',
    data: '',
    arrivalMs: arrivalMs + i * 1000,
    eventBytes: 500,
  }));
}

function settings(overrides: Partial<BatchPolicySettings> = {}): BatchPolicySettings {
  return {
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: -1,
    maximumRecordAgeInSeconds: -1,
    functionResponseTypes: [],
    ...overrides,
  };
}

/** An attempt carrying history of its own, which halves and retries must keep. */
interface TrackedAttempt extends Attempt {
  invokeCount: number;
}

function attempt(records: ShardRecord[], retries = 0): TrackedAttempt {
  return { records, retries, invokeCount: 3 };
}

const failed = (...sequenceNumbers: string[]) => ({
  status: 'success' as const,
  result: { batchItemFailures: sequenceNumbers.map((itemIdentifier) => ({ itemIdentifier })) },
});
const functionError = { status: 'error' as const };
const reportFailures = { functionResponseTypes: ['ReportBatchItemFailures'] };

describe('batch policy after an invocation', () => {
  it('commits the whole batch when the function succeeded', () => {
    // Prepare
    const records = shardRecords(3);

    // Act
    const decision = afterInvocation(attempt(records), { status: 'success', result: null }, settings(reportFailures));

    // Assess
    expect(decision).toEqual({ action: 'commit', commit: records });
  });

  it('ignores a partial batch response when ReportBatchItemFailures is off', () => {
    // Prepare
    const records = shardRecords(3);

    // Act
    const decision = afterInvocation(attempt(records), failed('101'), settings());

    // Assess
    expect(decision).toEqual({ action: 'commit', commit: records });
  });

  it('retries the whole batch after a function error when bisecting is off', () => {
    // Prepare
    const records = shardRecords(4);

    // Act
    const decision = afterInvocation(attempt(records), functionError, settings({ bisectBatchOnFunctionError: false }));

    // Assess
    expect(decision).toEqual({
      action: 'retry',
      failure: { kind: 'function-error' },
      commit: [],
      retry: { records, retries: 1, invokeCount: 3 },
      delayMs: 250,
      fresh: false,
    });
  });

  it('bisects a failed batch into halves (the first one larger) without consuming a retry', () => {
    // Prepare
    const records = shardRecords(5);

    // Act
    const decision = afterInvocation(
      attempt(records, 2),
      functionError,
      settings({ bisectBatchOnFunctionError: true }),
    );

    // Assess
    expect(decision).toEqual({
      action: 'bisect',
      failure: { kind: 'function-error' },
      halves: [
        { records: records.slice(0, 3), retries: 2, invokeCount: 3 },
        { records: records.slice(3), retries: 2, invokeCount: 3 },
      ],
    });
  });

  it('retries a single failed record instead of bisecting it', () => {
    // Prepare
    const records = shardRecords(1);

    // Act
    const decision = afterInvocation(attempt(records), functionError, settings({ bisectBatchOnFunctionError: true }));

    // Assess
    expect(decision).toMatchObject({ action: 'retry', retry: { records, retries: 1 } });
  });

  it('retries the whole batch when the first record is reported failed', () => {
    // Prepare
    const records = shardRecords(4);

    // Act
    const decision = afterInvocation(attempt(records), failed('102', '100'), settings(reportFailures));

    // Assess
    expect(decision).toEqual({
      action: 'retry',
      failure: { kind: 'partial-failure', failedSequenceNumber: '100' },
      commit: [],
      retry: { records, retries: 1, invokeCount: 3 },
      delayMs: 250,
      fresh: false,
    });
  });

  it('commits before the lowest failed record and tries the rest anew, with a fresh retry budget', () => {
    // Prepare
    const records = shardRecords(5);

    // Act
    const decision = afterInvocation(attempt(records), failed('103', '102'), settings(reportFailures));

    // Assess
    expect(decision).toEqual({
      action: 'retry',
      failure: { kind: 'partial-failure', failedSequenceNumber: '102' },
      commit: records.slice(0, 2),
      // Recorded against AWS: the rest of a partially failed batch is a new attempt (retries 0).
      retry: { records: records.slice(2), retries: 0, invokeCount: 3 },
      delayMs: 0,
      fresh: true,
    });
  });

  it('never bisects on a partial batch response, even with bisecting on', () => {
    // Prepare
    const records = shardRecords(4);

    // Act
    const decision = afterInvocation(
      attempt(records),
      failed('101'),
      settings({ ...reportFailures, bisectBatchOnFunctionError: true }),
    );

    // Assess
    expect(decision).toMatchObject({
      action: 'retry',
      commit: records.slice(0, 1),
      retry: { records: records.slice(1) },
    });
  });

  it('discards a batch to the on-failure destination once its retries are exhausted', () => {
    // Prepare
    const records = shardRecords(3);

    // Act
    const decision = afterInvocation(attempt(records, 2), functionError, settings({ maximumRetryAttempts: 2 }));

    // Assess
    expect(decision).toEqual({
      action: 'discard',
      failure: { kind: 'function-error' },
      commit: [],
      discard: records,
      condition: 'RetryAttemptsExhausted',
    });
  });

  it('discards at once with MaximumRetryAttempts 0', () => {
    // Prepare
    const records = shardRecords(1);

    // Act
    const decision = afterInvocation(attempt(records), functionError, settings({ maximumRetryAttempts: 0 }));

    // Assess
    expect(decision).toMatchObject({ action: 'discard', discard: records, condition: 'RetryAttemptsExhausted' });
  });

  it('gives the rest of a partial failure a fresh budget even when this attempt had none left', () => {
    // Prepare
    const records = shardRecords(4);

    // Act
    const decision = afterInvocation(
      attempt(records, 1),
      failed('102'),
      settings({ ...reportFailures, maximumRetryAttempts: 1 }),
    );

    // Assess: the succeeded prefix is committed and the rest is tried again from scratch
    expect(decision).toEqual({
      action: 'retry',
      failure: { kind: 'partial-failure', failedSequenceNumber: '102' },
      commit: records.slice(0, 2),
      retry: { records: records.slice(2), retries: 0, invokeCount: 3 },
      delayMs: 0,
      fresh: true,
    });
  });

  it('discards a reported failure without progress once its retries are exhausted', () => {
    const records = shardRecords(2);
    const decision = afterInvocation(
      attempt(records, 1),
      failed('100'),
      settings({ ...reportFailures, maximumRetryAttempts: 1 }),
    );
    expect(decision).toMatchObject({ action: 'discard', commit: [], discard: records });
  });

  it('keeps retrying without limit when MaximumRetryAttempts is -1, at most 30 s apart', () => {
    // Prepare
    const records = shardRecords(2);

    // Act
    const decision = afterInvocation(attempt(records, 10_000), functionError, settings({ maximumRetryAttempts: -1 }));

    // Assess
    expect(decision).toMatchObject({ action: 'retry', retry: { retries: 10_001 }, delayMs: 30_000 });
  });
});

describe('retry back-off', () => {
  it('doubles from 250 ms and stops at 30 s', () => {
    // Act
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 10_000].map(retryDelayMs);

    // Assess
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    expect(MAX_RETRY_DELAY_MS).toBe(30_000);
  });

  it('makes 8 attempts on a record with a 60 s age limit and unlimited retries, as observed on AWS', () => {
    // Prepare: a record that arrives at 0 and a function that fails every time in ~50 ms; the
    // poller's loop, played with the pure pieces it uses (with-kinesis.html: retried "until the
    // record expires"; AWS was observed to make 8 attempts in this case).
    const [record] = shardRecords(1, 0);
    const limits = settings({ maximumRetryAttempts: -1, maximumRecordAgeInSeconds: 60 });
    let now = 0;
    let unit: TrackedAttempt = attempt(record ? [record] : []);
    let attempts = 0;

    // Act
    for (;;) {
      if (splitByRecordAge(unit.records, limits.maximumRecordAgeInSeconds, now).live.length === 0) break;
      attempts++;
      now += 50;
      const decision = afterInvocation(unit, functionError, limits);
      if (decision.action !== 'retry') throw new Error(`unexpected ${decision.action}`);
      now += retryPauseMs(decision.delayMs, record?.arrivalMs, limits.maximumRecordAgeInSeconds, now);
      unit = decision.retry;
    }

    // Assess: 8 attempts, and the record is discarded as soon as it is past 60 s, not 30 s later.
    expect(attempts).toBe(8);
    expect(now).toBeGreaterThan(60_000);
    expect(now).toBeLessThanOrEqual(60_001);
  });

  it('cuts a pause short when the oldest record expires during it', () => {
    // Act
    const cut = retryPauseMs(30_000, 0, 60, 50_000);
    const whole = retryPauseMs(30_000, 0, 60, 10_000);
    const noLimit = retryPauseMs(30_000, 0, -1, 50_000);
    const expired = retryPauseMs(30_000, 0, 60, 70_000);

    // Assess
    expect([cut, whole, noLimit, expired]).toEqual([10_001, 30_000, 30_000, 0]);
  });
});

describe('record age expiry', () => {
  const now = 10_000_000;

  it('expires nothing when MaximumRecordAgeInSeconds is -1', () => {
    // Prepare
    const records = shardRecords(2, 0);

    // Act
    const split = splitByRecordAge(records, -1, now);

    // Assess
    expect(split).toEqual({ expired: [], live: records });
  });

  it('splits off the records older than the maximum age as a prefix', () => {
    // Prepare: arrivals at now−62 s, now−61 s, now−60 s, now−59 s against a 60 s maximum.
    const records = shardRecords(4, now - 62_000);

    // Act
    const split = splitByRecordAge(records, 60, now);

    // Assess: exactly 60 s old is not yet too old.
    expect(split).toEqual({ expired: records.slice(0, 2), live: records.slice(2) });
  });

  it('expires the whole batch when even its newest record is too old', () => {
    // Prepare
    const records = shardRecords(3, now - 600_000);

    // Act
    const split = splitByRecordAge(records, 60, now);

    // Assess
    expect(split).toEqual({ expired: records, live: [] });
  });

  it('keeps a batch of fresh records whole', () => {
    // Prepare
    const records = shardRecords(3, now - 1_000);

    // Act
    const split = splitByRecordAge(records, 60, now);

    // Assess
    expect(split).toEqual({ expired: [], live: records });
  });
});
