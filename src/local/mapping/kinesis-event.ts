// Records read from a shard, the Kinesis event Lambda builds from them, and how to read a partial batch response.

import type { _Record } from '@aws-sdk/client-kinesis';

/**
 * The Kinesis event exactly as Lambda sends it (documented example event in
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): the record's data is base64,
 * `approximateArrivalTimestamp` is epoch SECONDS with a fraction, and `eventID` is
 * `<shardId>:<sequenceNumber>`.
 */

export interface KinesisEventRecord {
  kinesis: {
    kinesisSchemaVersion: '1.0';
    partitionKey: string;
    sequenceNumber: string;
    data: string;
    approximateArrivalTimestamp: number;
  };
  eventSource: 'aws:kinesis';
  eventVersion: '1.0';
  eventID: string;
  eventName: 'aws:kinesis:record';
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

export interface KinesisEvent {
  Records: KinesisEventRecord[];
}

/** A record read from a shard, with what the runner needs precomputed once. */
export interface ShardRecord {
  sequenceNumber: string;
  partitionKey: string;
  /** Base64 of the data blob, as the event carries it. */
  data: string;
  /** Epoch milliseconds (kinesalite sets it on PutRecord(s)). */
  arrivalMs: number;
  /** Approximate size of this record inside the JSON event, for the 6 MB payload cap. */
  eventBytes: number;
}

export interface EventSourceIdentity {
  shardId: string;
  streamArn: string;
  region: string;
  invokeIdentityArn: string;
}

/** Lambda's synchronous invocation payload limit, which caps a Kinesis batch. */
export const MAX_EVENT_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** JSON keys, fixed values, ARNs and ids of one record: everything but the variable fields. */
const RECORD_OVERHEAD_BYTES = 420;

export function toShardRecord(record: _Record, identity: EventSourceIdentity): ShardRecord {
  const data = Buffer.from(record.Data ?? new Uint8Array()).toString('base64');
  const sequenceNumber = record.SequenceNumber ?? '';
  const partitionKey = record.PartitionKey ?? '';
  return {
    sequenceNumber,
    partitionKey,
    data,
    arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
    eventBytes:
      RECORD_OVERHEAD_BYTES +
      data.length +
      Buffer.byteLength(partitionKey) +
      2 * sequenceNumber.length +
      identity.shardId.length +
      identity.streamArn.length +
      identity.invokeIdentityArn.length,
  };
}

export function toEventRecord(record: ShardRecord, identity: EventSourceIdentity): KinesisEventRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: record.data,
      approximateArrivalTimestamp: record.arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${identity.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: identity.invokeIdentityArn,
    awsRegion: identity.region,
    eventSourceARN: identity.streamArn,
  };
}

export function toKinesisEvent(records: readonly ShardRecord[], identity: EventSourceIdentity): KinesisEvent {
  return { Records: records.map((record) => toEventRecord(record, identity)) };
}

/**
 * What a partial batch response (FunctionResponseTypes ReportBatchItemFailures) asks for: -1
 * when the batch succeeded, else the index of the first record to retry, the one with the
 * lowest failed sequence number. An empty or null response or list is success; an empty or
 * null itemIdentifier, a wrong key name, or an identifier not in the batch fails the whole batch
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html,
 * "Success and failure conditions").
 */
export function firstFailedIndex(result: unknown, records: readonly ShardRecord[]): number {
  if (result === null || typeof result !== 'object') return -1;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return -1;
  if (!Array.isArray(failures)) return 0;
  if (failures.length === 0) return -1;
  const indexOf = new Map(records.map((record, index) => [record.sequenceNumber, index]));
  let lowest = records.length;
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof identifier === 'string' && identifier !== '' ? indexOf.get(identifier) : undefined;
    if (index === undefined) return 0;
    lowest = Math.min(lowest, index);
  }
  return lowest;
}
