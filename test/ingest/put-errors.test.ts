/** The producer's decisions about PutRecords failures, with plain values. */
import { describe, expect, it } from 'vitest';
import { describeError, isRetryableRequestError, sortPutRecordsResults } from '../../src/ingest/put-errors.js';

describe('sortPutRecordsResults', () => {
  it('acknowledges a whole batch when nothing failed', () => {
    // Prepare
    const batch = ['a', 'b'];
    // Act
    const sorted = sortPutRecordsResults(batch, { FailedRecordCount: 0, Records: [{}, {}] });
    // Assess
    expect(sorted).toEqual({ ok: ['a', 'b'], again: [], lost: [], reason: '' });
  });

  it('retries throttled entries and gives up on entries that will fail again', () => {
    const sorted = sortPutRecordsResults(['a', 'b', 'c', 'd'], {
      FailedRecordCount: 3,
      Records: [
        { SequenceNumber: '1' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
        { ErrorCode: 'InternalFailure' },
        { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no KMS key access' },
      ],
    });
    expect(sorted.ok).toEqual(['a']);
    expect(sorted.again).toEqual(['b', 'c']);
    expect(sorted.lost).toEqual(['d']);
    expect(sorted.reason).toBe('AccessDeniedException: no KMS key access');
    expect(sorted.mismatch).toBeUndefined();
  });

  it('names the first retryable code when nothing is lost', () => {
    const sorted = sortPutRecordsResults(['a', 'b'], {
      FailedRecordCount: 2,
      Records: [{ ErrorCode: 'KMSThrottlingException' }, { ErrorCode: 'InternalFailure' }],
    });
    expect(sorted.again).toEqual(['a', 'b']);
    expect(sorted.reason).toBe('KMSThrottlingException');
  });

  it('sends a batch again when the response does not line up with it', () => {
    const sorted = sortPutRecordsResults(['a', 'b'], { FailedRecordCount: 0, Records: [{}] });
    expect(sorted.mismatch).toBe('PutRecords answered 1 results for 2 records');
    expect(sorted.ok).toEqual([]);
  });
});

describe('request errors', () => {
  it('retries throttling, server errors and dropped connections, not a missing stream', () => {
    expect(isRetryableRequestError({ name: 'ThrottlingException' })).toBe(true);
    expect(isRetryableRequestError({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryableRequestError({ code: 'ECONNRESET' })).toBe(true);
    expect(isRetryableRequestError({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } })).toBe(
      false,
    );
  });

  it('describes a failed request by name and HTTP status', () => {
    expect(describeError({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } })).toBe(
      'ServiceUnavailable (HTTP 503)',
    );
    expect(describeError({ code: 'ECONNRESET' })).toBe('ECONNRESET');
    // An engine torn down mid-run: a plain socket Error, named by its code, never the bare word "Error".
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), { code: 'ECONNREFUSED' });
    expect(describeError(refused)).toBe('ECONNREFUSED');
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(describeError(hangUp)).toBe('ECONNRESET: socket hang up');
  });
});
