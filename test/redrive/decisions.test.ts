/** Redrive's pure decisions: what an on-failure record says, what a range read lost, how puts are cut. */
import { describe, expect, it } from 'vitest';
import { compareSequence, parseFailedBatch, streamNameOfArn } from '../../src/redrive/failed-batch.js';
import { staleReceipt } from '../../src/redrive/queue-destination.js';
import { chunkForPut } from '../../src/redrive/re-put.js';
import { notResendableReason } from '../../src/redrive/rejected.js';
import { rangeOutcome, type StreamRecord } from '../../src/redrive/stream-range.js';

const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/demo-EventStream';

/** An on-failure document as Lambda sends it for a Kinesis event source. */
function onFailure(info: Record<string, unknown> = {}) {
  return JSON.stringify({
    requestContext: {
      requestId: 'r',
      functionArn: 'f',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-12-02T14:00:00.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: '100',
      endSequenceNumber: '104',
      approximateArrivalOfFirstRecord: '2026-12-02T13:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-12-02T13:59:01.000Z',
      batchSize: 5,
      streamArn: ARN,
      ...info,
    },
  });
}

const record = (seq: number): StreamRecord => ({
  sequenceNumber: String(seq),
  partitionKey: 'pk',
  data: new Uint8Array([seq % 256]),
});

describe('parseFailedBatch', () => {
  it("reads Lambda's on-failure document for a Kinesis source", () => {
    expect(parseFailedBatch(onFailure())).toEqual({
      ok: true,
      batch: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: '100',
        endSequenceNumber: '104',
        batchSize: 5,
        streamArn: ARN,
        condition: 'RetryAttemptsExhausted',
      },
    });
  });

  it('says why a document is not one', () => {
    expect(parseFailedBatch('{')).toEqual({ ok: false, reason: 'not JSON' });
    expect(parseFailedBatch('{"Records":[]}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/KinesisBatchInfo/),
    });
    expect(parseFailedBatch(onFailure({ startSequenceNumber: 'x' }))).toMatchObject({ ok: false });
    expect(parseFailedBatch(onFailure({ startSequenceNumber: '200' }))).toMatchObject({
      ok: false,
      reason: 'startSequenceNumber is after endSequenceNumber',
    });
  });

  it('orders 56-digit sequence numbers exactly and names the stream of an ARN', () => {
    const a = '49650000000000000000000000000000000000000000000000000001';
    const b = '49650000000000000000000000000000000000000000000000000002';
    expect(compareSequence(a, b)).toBe(-1);
    expect(compareSequence(b, a)).toBe(1);
    expect(compareSequence(a, a)).toBe(0);
    expect(streamNameOfArn(ARN)).toBe('demo-EventStream');
    expect(streamNameOfArn('')).toBeUndefined();
  });
});

describe('rangeOutcome', () => {
  const batch = {
    shardId: 'shardId-000000000000',
    startSequenceNumber: '100',
    endSequenceNumber: '104',
    batchSize: 5,
    streamArn: ARN,
  };

  it('keeps exactly the records inside the range when all of it is there', () => {
    const read = rangeOutcome(batch, [100, 101, 102, 103, 104, 105].map(record), 'trimmed');
    expect(read.records.map((r) => r.sequenceNumber)).toEqual(['100', '101', '102', '103', '104']);
    expect(read.lost).toBeUndefined();
  });

  it('reports the start of the range as lost when the read starts later (trimmed)', () => {
    const read = rangeOutcome(batch, [103, 104].map(record), 'trimmed');
    expect(read.records.map((r) => r.sequenceNumber)).toEqual(['103', '104']);
    expect(read.lost).toEqual({
      shardId: batch.shardId,
      from: '100',
      to: '104',
      until: '103',
      records: 3,
      reason: 'trimmed',
    });
  });

  it('reports the whole range as lost when nothing inside it is left', () => {
    expect(rangeOutcome(batch, [200].map(record), 'trimmed')).toEqual({
      records: [],
      lost: { shardId: batch.shardId, from: '100', to: '104', records: 5, reason: 'trimmed' },
    });
    expect(rangeOutcome(batch, [], 'the shard no longer exists').lost?.reason).toBe('the shard no longer exists');
  });
});

describe('chunkForPut', () => {
  it('cuts at 500 records and at 5 MiB, keeping order', () => {
    const small = Array.from({ length: 1001 }, (_, i) => ({ partitionKey: String(i), data: new Uint8Array(1) }));
    expect(chunkForPut(small).map((c) => c.length)).toEqual([500, 500, 1]);
    const big = Array.from({ length: 6 }, (_, i) => ({
      partitionKey: String(i),
      data: new Uint8Array(1024 * 1024 - 1),
    }));
    const chunks = chunkForPut(big);
    expect(chunks.map((c) => c.length)).toEqual([5, 1]);
    expect(chunks.flat().map((r) => r.partitionKey)).toEqual(['0', '1', '2', '3', '4', '5']);
  });
});

describe('notResendableReason (--rejected)', () => {
  it('re-sends only a raw payload stored whole', () => {
    expect(notResendableReason({ raw: '{"v":9}', rawBytes: 7, rawTruncated: false })).toBeUndefined();
    expect(notResendableReason({ raw: 'x'.repeat(4096), rawBytes: 9000, rawTruncated: true })).toBe(
      'raw truncated: 9000 bytes, 4 KiB kept',
    );
    // One invalid byte became U+FFFD (three bytes) when it was stored.
    expect(notResendableReason({ raw: 'a\uFFFD', rawBytes: 2, rawTruncated: false })).toBe(
      'raw not UTF-8: stored text differs',
    );
  });
});

describe('staleReceipt', () => {
  it('recognises a receipt handle that is no longer valid', () => {
    expect(
      staleReceipt(Object.assign(new Error('The receipt handle has expired.'), { name: 'ReceiptHandleIsInvalid' })),
    ).toBe(true);
    expect(
      staleReceipt(
        Object.assign(
          new Error('Value x for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.'),
          { name: 'InvalidParameterValue' },
        ),
      ),
    ).toBe(true);
    expect(staleReceipt(Object.assign(new Error('denied'), { name: 'AccessDenied' }))).toBe(false);
  });
});
