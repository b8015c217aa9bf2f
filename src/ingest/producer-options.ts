/** What the Kinesis producer takes and reports: its limits, options, records and figures. */
import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';

/** Kinesis limits (PutRecords API reference). */
export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;

/** The part of a KinesisClient the producer uses (a double in tests and the benchmark). */
export interface PutRecordsClient {
  send(command: PutRecordsCommand): Promise<Pick<PutRecordsCommandOutput, 'Records' | 'FailedRecordCount'>>;
}

export interface ProducerRecord {
  id: string;
  data: Uint8Array;
  partitionKey: string;
  /** Data plus partition key, what Kinesis counts against its limits. */
  size: number;
  firstTriedAt: number;
  attempts: number;
  /** The input line it came from (file replay), to say where a resumed run must start. */
  line?: number;
}

export interface ProducerOptions {
  client: PutRecordsClient;
  streamName: string;
  /** How long a partial batch waits for more records before it is sent. Default 100 ms. */
  lingerMs?: number;
  /** PutRecords requests in flight at once. Default 4. */
  concurrency?: number;
  /** Records per request. Default (and Kinesis maximum) 500. */
  maxBatchRecords?: number;
  /** Bytes per request, data plus partition keys. Default (and Kinesis maximum) 5 MiB. */
  maxBatchBytes?: number;
  /** Unacknowledged records at most; `put` waits beyond it. Default (concurrency + 2) × batch size. */
  maxBufferedRecords?: number;
  /** A record still failing this long after its first attempt is given up. Default 60 s. */
  retryDeadlineMs?: number;
  /** Back-off base and cap for retries. Defaults 100 ms and 5 s. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  random?: () => number;
  /** Records the producer stopped trying, with the last reason. */
  onGiveUp?: (records: ProducerRecord[], reason: string) => void;
  /** An event that can never be sent (too large), with the reason. */
  onRejected?: (id: string, bytes: number, reason: string) => void;
}

export interface ProducerStats {
  /** Records taken by `put` (not counting rejected ones). */
  accepted: number;
  /** Records Kinesis acknowledged. */
  sent: number;
  bytesSent: number;
  /** Record attempts that failed and were scheduled again. */
  retried: number;
  givenUp: number;
  rejected: number;
  requests: number;
  failedRequests: number;
  inFlightRequests: number;
  /** Accepted and not yet acknowledged or given up. */
  unsent: number;
}
