/** Reads one failed batch's records back from its shard, by sequence range, and says what is gone. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { withRetries } from './aws-calls.js';
import { compareSequence, type FailedBatch } from './failed-batch.js';

/** One record as it is in the stream: what PutRecords needs to put it back. */
export interface StreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
}

/** A part of a failed batch's range that the stream no longer holds. */
export interface LostRange {
  shardId: string;
  /** The batch's first sequence number. */
  from: string;
  /** The batch's last sequence number when all of it is gone; else the last one that is gone is before `until`. */
  to: string;
  /** The first sequence number still in the stream, when only the start of the range is gone. */
  until?: string;
  /** Records of the batch that are gone, when the batch's size is known. */
  records?: number;
  reason: string;
}

export interface RangeRead {
  /** The records of the range still in the stream, in order. */
  records: StreamRecord[];
  lost?: LostRange;
}

/**
 * What a read of a batch's range means (pure): the records inside the range, and the part of it
 * that is gone. A read that starts later than the batch's first sequence number means the stream
 * trimmed the start (past its retention); a read with nothing inside the range lost all of it.
 */
export function rangeOutcome(batch: FailedBatch, read: StreamRecord[], reason: string): RangeRead {
  const inside = read.filter(
    (r) =>
      compareSequence(r.sequenceNumber, batch.startSequenceNumber) >= 0 &&
      compareSequence(r.sequenceNumber, batch.endSequenceNumber) <= 0,
  );
  const base = { shardId: batch.shardId, from: batch.startSequenceNumber, to: batch.endSequenceNumber, reason };
  const first = inside[0];
  if (!first) return { records: [], lost: { ...base, ...(batch.batchSize ? { records: batch.batchSize } : {}) } };
  if (first.sequenceNumber === batch.startSequenceNumber) return { records: inside };
  const gone = batch.batchSize ? Math.max(0, batch.batchSize - inside.length) : undefined;
  return {
    records: inside,
    lost: { ...base, until: first.sequenceNumber, ...(gone === undefined ? {} : { records: gone }) },
  };
}

export interface ReadRangeOptions {
  client: Pick<KinesisClient, 'send'>;
  streamName: string;
  batch: FailedBatch;
  signal?: AbortSignal;
  /** Records per GetRecords call. Default 1000. */
  limit?: number;
  /** Back-off base for throttled reads (tests make it small). Default 100 ms. */
  backoffBaseMs?: number;
}

const TRIMMED = 'past the stream retention period (trimmed)';

/**
 * GetShardIterator AT_SEQUENCE_NUMBER at the batch's start, then GetRecords until past its end,
 * the end of a closed shard, or the tip of the stream. A shard that no longer exists lost the
 * whole range; any other error (AccessDenied, a missing stream) is thrown.
 */
export async function readRange(options: ReadRangeOptions): Promise<RangeRead> {
  const { GetRecordsCommand, GetShardIteratorCommand } = await import('@aws-sdk/client-kinesis');
  const { batch, client, signal } = options;
  const retry = { signal, baseMs: options.backoffBaseMs };
  let iterator: string | undefined;
  try {
    const answer = await withRetries(
      () =>
        client.send(
          new GetShardIteratorCommand({
            StreamName: options.streamName,
            ShardId: batch.shardId,
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: batch.startSequenceNumber,
          }),
        ),
      retry,
    );
    iterator = answer.ShardIterator;
  } catch (error) {
    const gone = shardGone(error);
    if (gone) return rangeOutcome(batch, [], gone);
    throw error;
  }
  const read: StreamRecord[] = [];
  let emptyAtTip = 0;
  while (iterator) {
    signal?.throwIfAborted();
    const current: string = iterator;
    const page = await withRetries(
      () => client.send(new GetRecordsCommand({ ShardIterator: current, Limit: options.limit ?? 1000 })),
      retry,
    );
    for (const r of page.Records ?? []) {
      read.push({
        sequenceNumber: r.SequenceNumber ?? '',
        partitionKey: r.PartitionKey ?? '',
        data: r.Data ?? new Uint8Array(),
      });
    }
    const last = read[read.length - 1];
    if (last && compareSequence(last.sequenceNumber, batch.endSequenceNumber) >= 0) break;
    iterator = page.NextShardIterator;
    // At the tip an open shard answers empty pages forever; Kinesis may also answer an empty page
    // behind the tip (MillisBehindLatest > 0), so only empty pages at the tip end the read.
    if ((page.Records ?? []).length === 0 && !page.MillisBehindLatest) {
      emptyAtTip += 1;
      if (emptyAtTip >= 2) break;
    } else emptyAtTip = 0;
  }
  return rangeOutcome(batch, read, TRIMMED);
}

/** Why a shard's records are gone, when the error says the shard (not the stream) does not exist. */
function shardGone(error: unknown): string | undefined {
  const e = error as { name?: string; message?: string };
  if (e?.name === 'ResourceNotFoundException' && /shard/i.test(e.message ?? '')) {
    return 'the shard no longer exists in the stream';
  }
  if (e?.name === 'InvalidArgumentException' && /sequence/i.test(e.message ?? '')) {
    return `the stream refused the range: ${e.message}`;
  }
  return undefined;
}
