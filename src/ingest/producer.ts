/** The Kinesis producer: PutRecords batching, bounded in-flight requests, backpressure, per-entry retries. */
import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import {
  encodeTweetEvent,
  MAX_EVENT_BYTES,
  partitionKeyOf,
  type TweetEvent,
} from '../../lambda/contract/tweet-event.js';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  MAX_RECORD_BYTES,
  type ProducerOptions,
  type ProducerRecord,
  type ProducerStats,
} from './producer-options.js';
import { backoffDelay, describeError, isRetryableRequestError, sortPutRecordsResults } from './put-errors.js';

/**
 * The Kinesis producer: batches events into PutRecords requests (≤ 500 records, ≤ 5 MiB),
 * lingers briefly so that slow sources still fill batches, keeps a bounded number of requests in
 * flight, and makes `put` wait while too many records are unacknowledged — the backpressure that
 * slows the source instead of buffering without bound. Failed entries (and whole failed
 * requests) are retried with capped exponential back-off and full jitter until a per-record
 * deadline; then they are handed to `onGiveUp`, never dropped silently.
 */

export {
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  MAX_RECORD_BYTES,
  type ProducerOptions,
  type ProducerRecord,
  type ProducerStats,
  type PutRecordsClient,
} from './producer-options.js';

type PutRecordsCtor = typeof PutRecordsCommand;

export class KinesisProducer {
  private readonly lingerMs: number;
  private readonly concurrency: number;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly maxBuffered: number;
  private readonly deadlineMs: number;
  private readonly random: () => number;

  private buffer: ProducerRecord[] = [];
  private bufferBytes = 0;
  private readonly ready: ProducerRecord[][] = [];
  private readonly inFlight = new Set<ProducerRecord[]>();
  private readonly waitingRetry = new Set<ProducerRecord[]>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private lingerTimer?: NodeJS.Timeout;
  private draining = false;
  private fatal?: unknown;
  private spaceWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly counts = {
    accepted: 0,
    sent: 0,
    bytesSent: 0,
    retried: 0,
    givenUp: 0,
    rejected: 0,
    requests: 0,
    failedRequests: 0,
  };
  private unacked = 0;

  /** Loads the SDK command class on demand, keeping `--help` fast. */
  static async create(options: ProducerOptions): Promise<KinesisProducer> {
    const { PutRecordsCommand } = await import('@aws-sdk/client-kinesis');
    return new KinesisProducer(options, PutRecordsCommand);
  }

  constructor(
    private readonly options: ProducerOptions,
    private readonly Command: PutRecordsCtor,
  ) {
    this.lingerMs = options.lingerMs ?? 100;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxRecords = Math.min(MAX_BATCH_RECORDS, options.maxBatchRecords ?? MAX_BATCH_RECORDS);
    this.maxBytes = Math.min(MAX_BATCH_BYTES, options.maxBatchBytes ?? MAX_BATCH_BYTES);
    this.maxBuffered = Math.max(
      this.maxRecords,
      options.maxBufferedRecords ?? (this.concurrency + 2) * this.maxRecords,
    );
    this.deadlineMs = options.retryDeadlineMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /**
   * Takes one event (and the input line it came from, if any). Resolves at once while there is room, later when the stream has caught up;
   * false when the event can never be sent (reported through `onRejected`). Rejects once a
   * non-retryable error (missing stream, bad credentials) has stopped the producer.
   */
  async put(event: TweetEvent, line?: number): Promise<boolean> {
    if (this.fatal) throw this.fatal;
    const data = encodeTweetEvent(event);
    const partitionKey = partitionKeyOf(event);
    const size = data.byteLength + partitionKey.length;
    if (data.byteLength > MAX_EVENT_BYTES || size > MAX_RECORD_BYTES) {
      this.counts.rejected += 1;
      this.options.onRejected?.(
        event.id,
        data.byteLength,
        `event ${event.id} is ${data.byteLength} bytes encoded, over the ${MAX_EVENT_BYTES}-byte record contract limit; not sent`,
      );
      return false;
    }
    while (this.unacked >= this.maxBuffered) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      if (this.fatal) throw this.fatal;
    }
    this.unacked += 1;
    this.counts.accepted += 1;
    this.add({
      id: event.id,
      data,
      partitionKey,
      size,
      firstTriedAt: Date.now(),
      attempts: 0,
      ...(line ? { line } : {}),
    });
    return true;
  }

  /** Sends what is buffered now and resolves when every accepted record is acknowledged or given up. */
  async flush(): Promise<void> {
    this.draining = true;
    if (this.buffer.length > 0) this.cut();
    while (this.unacked > 0 && !this.fatal) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.fatal) throw this.fatal;
  }

  /** Records accepted and not (yet) acknowledged: buffered, waiting, in flight or waiting to retry. */
  unsent(): ProducerRecord[] {
    return [...this.buffer, ...this.ready.flat(), ...[...this.inFlight].flat(), ...[...this.waitingRetry].flat()];
  }

  get unsentCount(): number {
    return this.unacked;
  }

  stats(): ProducerStats {
    return { ...this.counts, inFlightRequests: this.inFlight.size, unsent: this.unacked };
  }

  /** Stops timers (after a fatal error or an abort); records still unsent stay in `unsent()`. */
  close(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private add(record: ProducerRecord): void {
    if (
      this.buffer.length > 0 &&
      (this.buffer.length >= this.maxRecords || this.bufferBytes + record.size > this.maxBytes)
    ) {
      this.cut();
    }
    this.buffer.push(record);
    this.bufferBytes += record.size;
    if (this.buffer.length >= this.maxRecords) this.cut();
    else if (this.buffer.length === 1 && !this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        if (this.buffer.length > 0) this.cut();
      }, this.lingerMs);
    }
  }

  private cut(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.ready.push(this.buffer);
    this.buffer = [];
    this.bufferBytes = 0;
    this.pump();
  }

  private pump(): void {
    while (!this.fatal && this.inFlight.size < this.concurrency && this.ready.length > 0) {
      const batch = this.ready.shift() as ProducerRecord[];
      this.inFlight.add(batch);
      void this.send(batch);
    }
  }

  private async send(batch: ProducerRecord[]): Promise<void> {
    this.counts.requests += 1;
    for (const record of batch) record.attempts += 1;
    try {
      const records = new Array(batch.length);
      for (let i = 0; i < batch.length; i += 1) {
        const r = batch[i] as ProducerRecord;
        records[i] = { Data: r.data, PartitionKey: r.partitionKey };
      }
      const output = await this.options.client.send(
        new this.Command({ StreamName: this.options.streamName, Records: records }),
      );
      this.inFlight.delete(batch);
      this.settle(batch, output);
    } catch (error) {
      this.inFlight.delete(batch);
      this.counts.failedRequests += 1;
      if (isRetryableRequestError(error)) this.retry(batch, describeError(error));
      else this.stop(error, batch);
    }
    this.pump();
    this.checkIdle();
  }

  private settle(
    batch: ProducerRecord[],
    output: Pick<PutRecordsCommandOutput, 'Records' | 'FailedRecordCount'>,
  ): void {
    const outcome = sortPutRecordsResults(batch, output);
    if (outcome.mismatch) {
      this.retry(batch, outcome.mismatch);
      return;
    }
    this.acknowledge(outcome.ok);
    if (outcome.again.length > 0) this.retry(outcome.again, outcome.reason);
    if (outcome.lost.length > 0) this.giveUp(outcome.lost, outcome.reason);
  }

  private acknowledge(records: ProducerRecord[]): void {
    let bytes = 0;
    for (const record of records) bytes += record.data.byteLength;
    this.counts.sent += records.length;
    this.counts.bytesSent += bytes;
    this.release(records.length);
  }

  private retry(records: ProducerRecord[], reason: string): void {
    const now = Date.now();
    const expired = records.filter((r) => now - r.firstTriedAt >= this.deadlineMs);
    const again = expired.length === 0 ? records : records.filter((r) => now - r.firstTriedAt < this.deadlineMs);
    if (expired.length > 0)
      this.giveUp(expired, `still failing after ${Math.round(this.deadlineMs / 1000)} s: ${reason}`);
    if (again.length === 0) return;
    this.counts.retried += again.length;
    const attempts = Math.max(...again.map((r) => r.attempts));
    // Never wait past the earliest deadline: the last try happens at the deadline, not after it.
    const remaining = Math.min(...again.map((r) => r.firstTriedAt + this.deadlineMs - now));
    const delay = Math.min(
      backoffDelay(attempts, this.random, this.options.backoffBaseMs, this.options.backoffCapMs),
      Math.max(0, remaining),
    );
    this.waitingRetry.add(again);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.waitingRetry.delete(again);
      if (this.fatal) return;
      for (const record of again) this.add(record);
      if (this.draining && this.buffer.length > 0) this.cut();
    }, delay);
    this.retryTimers.add(timer);
  }

  private giveUp(records: ProducerRecord[], reason: string): void {
    this.counts.givenUp += records.length;
    this.options.onGiveUp?.(records, reason);
    this.release(records.length);
  }

  private release(count: number): void {
    this.unacked -= count;
    if (this.spaceWaiters.length > 0 && this.unacked < this.maxBuffered) {
      for (const resolve of this.spaceWaiters.splice(0)) resolve();
    }
    this.checkIdle();
  }

  private checkIdle(): void {
    if ((this.unacked === 0 || this.fatal) && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** A non-retryable request error: nothing more is sent; the batch stays unsent for the caller. */
  private stop(error: unknown, batch: ProducerRecord[]): void {
    this.fatal = error;
    this.ready.unshift(batch);
    this.close();
    for (const resolve of this.spaceWaiters.splice(0)) resolve();
    this.checkIdle();
  }
}
