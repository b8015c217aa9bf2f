/** The on-failure record, field by field as AWS writes it (recorded against AWS by another emulator's snapshots). */
import { describe, expect, it } from 'vitest';
import { type DiscardedBatch, onFailureRecord } from '../../../src/local/mapping/failure-destination.js';
import type { ShardRecord } from '../../../src/local/mapping/kinesis-event.js';

const record = (sequenceNumber: string, arrivalMs: number): ShardRecord => ({
  sequenceNumber,
  partitionKey: 'k',
  data: '',
  arrivalMs,
  eventBytes: 0,
});

const batch = (over: Partial<DiscardedBatch>): DiscardedBatch => ({
  records: [record('100', 1_000), record('101', 2_000)],
  shardId: 'shardId-000000000000',
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  condition: 'RetryAttemptsExhausted',
  approximateInvokeCount: 4,
  functionError: false,
  requestId: 'r-1',
  now: 10_000,
  ...over,
});

describe('onFailureRecord', () => {
  it('after a reported (non-exception) failure has functionError present and null', () => {
    expect(onFailureRecord(batch({})).responseContext).toEqual({
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: null,
    });
  });

  it("after an exception says functionError 'Unhandled'", () => {
    expect(onFailureRecord(batch({ functionError: true })).responseContext?.functionError).toBe('Unhandled');
  });

  it('for records too old has no responseContext at all, and counts one invocation for a record never delivered', () => {
    const aged = onFailureRecord(
      batch({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0, functionError: true }),
    );
    expect(aged).not.toHaveProperty('responseContext');
    expect(aged.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 1 });
    const triedBefore = onFailureRecord(batch({ condition: 'RecordAgeExceeded', approximateInvokeCount: 3 }));
    expect(triedBefore.requestContext.approximateInvokeCount).toBe(3);
  });

  it('names the batch by shard and sequence range', () => {
    expect(onFailureRecord(batch({})).KinesisBatchInfo).toEqual({
      shardId: 'shardId-000000000000',
      startSequenceNumber: '100',
      endSequenceNumber: '101',
      approximateArrivalOfFirstRecord: new Date(1_000).toISOString(),
      approximateArrivalOfLastRecord: new Date(2_000).toISOString(),
      batchSize: 2,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
    });
  });
});
