/** A failed-batch record from an on-failure destination, parsed and checked; sequence-number order. */

/**
 * What redrive needs from one on-failure record: Lambda's document for a Kinesis event source
 * (`KinesisBatchInfo`: shard, first and last sequence number, batch size), which both the local
 * engine's failures.jsonl and the SQS dead-letter queue carry. The records themselves are not in
 * it: they are read back from the stream by shard and range.
 */
export interface FailedBatch {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  streamArn: string;
  /** RetryAttemptsExhausted, RecordAgeExceeded… as the mapping reported it. */
  condition?: string;
}

export type ParsedFailedBatch = { ok: true; batch: FailedBatch } | { ok: false; reason: string };

const SEQUENCE = /^\d{1,128}$/;

/** Parses one on-failure document (a line of failures.jsonl or an SQS message body). */
export function parseFailedBatch(text: string): ParsedFailedBatch {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const info = (value as { KinesisBatchInfo?: Record<string, unknown> } | null)?.KinesisBatchInfo;
  if (!info || typeof info !== 'object')
    return { ok: false, reason: 'no KinesisBatchInfo (not a Kinesis on-failure record)' };
  const { shardId, startSequenceNumber: start, endSequenceNumber: end, batchSize, streamArn } = info;
  if (typeof shardId !== 'string' || shardId === '')
    return { ok: false, reason: 'KinesisBatchInfo.shardId is missing' };
  if (typeof start !== 'string' || !SEQUENCE.test(start) || typeof end !== 'string' || !SEQUENCE.test(end)) {
    return { ok: false, reason: 'KinesisBatchInfo sequence numbers are missing or not decimal' };
  }
  if (compareSequence(start, end) > 0) return { ok: false, reason: 'startSequenceNumber is after endSequenceNumber' };
  const condition = (value as { requestContext?: { condition?: unknown } }).requestContext?.condition;
  return {
    ok: true,
    batch: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      batchSize: typeof batchSize === 'number' && Number.isInteger(batchSize) && batchSize > 0 ? batchSize : 0,
      streamArn: typeof streamArn === 'string' ? streamArn : '',
      ...(typeof condition === 'string' ? { condition } : {}),
    },
  };
}

/** Orders two Kinesis sequence numbers (decimal strings up to 128 digits): -1, 0 or 1. */
export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The stream name of a Kinesis stream ARN (`arn:aws:kinesis:r:a:stream/NAME`), or undefined. */
export function streamNameOfArn(arn: string): string | undefined {
  const match = /:stream\/([^/]+)$/.exec(arn);
  return match?.[1];
}
