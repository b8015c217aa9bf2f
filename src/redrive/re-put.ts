/** Puts records back into the stream with their own partition keys, retrying throttled and failed entries. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from '../ingest/producer-options.js';
import { backoffDelay, sortPutRecordsResults } from '../ingest/put-errors.js';
import { withRetries } from './aws-calls.js';

export interface PutBackRecord {
  partitionKey: string;
  data: Uint8Array;
}

export interface PutBackOptions {
  client: Pick<KinesisClient, 'send'>;
  streamName: string;
  records: readonly PutBackRecord[];
  signal?: AbortSignal;
  /** A record still failing this long after its first attempt fails the put. Default 60 s. */
  deadlineMs?: number;
  backoffBaseMs?: number;
  random?: () => number;
}

/** Entries Kinesis refused for good (not throttling): the batch they belong to is not redriven. */
export class PutBackError extends Error {
  constructor(
    message: string,
    readonly failed: number,
  ) {
    super(message);
    this.name = 'PutBackError';
  }
}

/** PutRecords requests of at most 500 records and 5 MiB (data plus partition keys). */
export function chunkForPut<T extends PutBackRecord>(records: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.data.byteLength + Buffer.byteLength(record.partitionKey);
    if (chunk.length > 0 && (chunk.length >= MAX_BATCH_RECORDS || bytes + size > MAX_BATCH_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Resolves once Kinesis accepted every record, in the order given (one shard's records stay in
 * order). Throttled entries (ProvisionedThroughputExceeded, InternalFailure) are sent again with
 * back-off, as the producer does; entries refused for good, or still failing at the deadline,
 * reject with a PutBackError; request errors that are not throttling (AccessDenied) are thrown.
 */
export async function putBack(options: PutBackOptions): Promise<void> {
  const { PutRecordsCommand } = await import('@aws-sdk/client-kinesis');
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const random = options.random ?? Math.random;
  for (let pending of chunkForPut(options.records)) {
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      options.signal?.throwIfAborted();
      const sent = pending;
      const output = await withRetries(
        () =>
          options.client.send(
            new PutRecordsCommand({
              StreamName: options.streamName,
              Records: sent.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
            }),
          ),
        { signal: options.signal, baseMs: options.backoffBaseMs, random },
      );
      const sorted = sortPutRecordsResults(sent, output);
      if (sorted.lost.length > 0) {
        throw new PutBackError(`Kinesis refused ${sorted.lost.length} record(s): ${sorted.reason}`, sorted.lost.length);
      }
      pending = sorted.mismatch ? sent : sorted.again;
      if (pending.length === 0) break;
      if (Date.now() >= deadline) {
        const reason = sorted.mismatch ?? sorted.reason;
        throw new PutBackError(`${pending.length} record(s) still failing at the deadline: ${reason}`, pending.length);
      }
      await new Promise((resolve) =>
        setTimeout(resolve, backoffDelay(attempt, random, options.backoffBaseMs ?? 100, 5_000)),
      );
    }
  }
}
