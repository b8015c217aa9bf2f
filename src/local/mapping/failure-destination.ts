// The local on-failure destination: discarded batches' metadata, one JSON line each, in Lambda's shape.

import { randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ShardRecord } from './kinesis-event.js';

/**
 * The local on-failure destination: one JSON document per line, in the shape Lambda sends to an
 * SQS queue or SNS topic for a Kinesis event source mapping when it discards a batch ("Retain
 * discarded batch records for a Kinesis Data Streams event source",
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html). Like on
 * AWS it carries the batch's metadata, not the records: the records stay in the stream and can
 * be read with GetShardIterator AT_SEQUENCE_NUMBER startSequenceNumber.
 */

export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface OnFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: DiscardCondition;
    approximateInvokeCount: number;
  };
  /**
   * The last invocation's response; absent when the records were discarded for their age (AWS
   * writes none then, whatever happened before).
   */
  responseContext?: {
    statusCode: number;
    executedVersion: string;
    /** 'Unhandled' after a function error (throw, timeout, crash); null after a reported failure. */
    functionError: string | null;
  };
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface DiscardedBatch {
  records: readonly ShardRecord[];
  shardId: string;
  streamArn: string;
  functionArn: string;
  condition: DiscardCondition;
  approximateInvokeCount: number;
  /** Whether the last invocation of these records was a function error. */
  functionError: boolean;
  /** Request id of the last invocation; a fresh one when the records were never invoked. */
  requestId?: string;
  now: number;
}

export function onFailureRecord(batch: DiscardedBatch): OnFailureRecord {
  const first = batch.records[0];
  const last = batch.records[batch.records.length - 1];
  if (!first || !last) throw new Error('a discarded batch has at least one record');
  const aged = batch.condition === 'RecordAgeExceeded';
  return {
    requestContext: {
      requestId: batch.requestId ?? randomUUID(),
      functionArn: batch.functionArn,
      condition: batch.condition,
      // AWS counts the poll that found a record too old as its one (and only) invocation.
      approximateInvokeCount: aged ? Math.max(1, batch.approximateInvokeCount) : batch.approximateInvokeCount,
    },
    ...(aged
      ? {}
      : {
          responseContext: {
            statusCode: 200,
            executedVersion: '$LATEST',
            functionError: batch.functionError ? 'Unhandled' : null,
          },
        }),
    version: '1.0',
    timestamp: new Date(batch.now).toISOString(),
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: batch.records.length,
      streamArn: batch.streamArn,
    },
  };
}

/** Appends records durably; the poller advances its checkpoint only after the append. */
export class FailureDestination {
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  send(record: OnFailureRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    // Serialised so concurrent shards never interleave partial lines.
    const write = this.tail.catch(() => undefined).then(() => this.append(line));
    this.tail = write;
    return write;
  }

  private async append(line: string): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const handle = await open(this.file, 'a', 0o600);
    try {
      await handle.writeFile(line, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
