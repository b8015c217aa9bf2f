import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { CheckpointStore } from './checkpoints.js';
import { type DiscardCondition, type FailureDestination, onFailureRecord } from './failure-destination.js';
import { FunctionInvoker, type InvocationOutcome } from './function-invoker.js';
import {
  type EventSourceIdentity,
  firstFailedIndex,
  MAX_EVENT_PAYLOAD_BYTES,
  type ShardRecord,
  toKinesisEvent,
  toShardRecord,
} from './kinesis-event.js';
import type { FunctionConfig, FunctionLogSink, MappingSettings, RunnerLog, ShardStats } from './runner.js';

/**
 * One shard of one event source mapping: reads the shard strictly in order, gathers batches,
 * invokes the function one batch at a time and applies Lambda's documented error handling for
 * Kinesis (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
 * .../kinesis-on-failure-destination.html, .../services-kinesis-batchfailurereporting.html).
 */

export interface PollerContext {
  kinesis: KinesisClient;
  sdk: typeof import('@aws-sdk/client-kinesis');
  streamName: string;
  identity: Omit<EventSourceIdentity, 'shardId'>;
  functionArn: string;
  settings(): MappingSettings;
  fn(): { config: FunctionConfig; generation: number };
  checkpoints: CheckpointStore;
  failures: FailureDestination;
  log: RunnerLog;
  functionLog?: FunctionLogSink;
  idlePollMs: number;
  now(): number;
  /** Where a shard without checkpoint starts; child shards of a drained parent start at TRIM_HORIZON. */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  onShardEnd(shardId: string): void;
}

/** Records of one invocation attempt and what their history is. */
interface Unit {
  records: ShardRecord[];
  retries: number;
  invokeCount: number;
  lastRequestId?: string;
  lastWasFunctionError: boolean;
}

type ShardState = ShardStats['state'];

/** The per-shard counters `stats()` reports, all zero (a shard not polled yet shows these too). */
export function emptyShardCounters() {
  return {
    batches: 0,
    invocations: 0,
    records: 0,
    functionErrors: 0,
    partialFailures: 0,
    retries: 0,
    bisects: 0,
    sentToFailureDestination: 0,
    recordsSentToFailureDestination: 0,
  };
}

export class ShardPoller {
  private stopping = false;
  private iterator: string | undefined;
  private shardEnded = false;
  private readPosition: string | undefined;
  private overflow: ShardRecord[] = [];
  private newestUnprocessedMs: number | undefined;
  private needsResumeAt = false;
  private invoker: FunctionInvoker | undefined;
  private invokerGeneration = -1;
  private wake: (() => void) | undefined;
  private state: ShardState = 'polling';
  private readonly counters = emptyShardCounters();
  private lastError: ShardStats['lastError'];
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly shardId: string,
    private readonly ctx: PollerContext,
  ) {}

  start(): void {
    // Start the execution environment now, so the first batch does not pay the cold start.
    this.currentInvoker().warm();
    this.done = this.run();
  }

  /** Finish the current invocation (and checkpoint it), then stop; abandons a batch still being gathered. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** Kills the in-flight invocation: its batch is neither checkpointed nor discarded. */
  abort(): void {
    this.invoker?.abort();
  }

  async close(): Promise<void> {
    await this.invoker?.close();
  }

  stats(): ShardStats {
    return {
      shardId: this.shardId,
      state: this.state,
      checkpoint: this.ctx.checkpoints.get(this.shardId)?.sequenceNumber,
      lagMs: this.newestUnprocessedMs === undefined ? 0 : Math.max(0, Date.now() - this.newestUnprocessedMs),
      ...this.counters,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async run(): Promise<void> {
    let consecutiveErrors = 0;
    while (!this.stopping) {
      try {
        if (this.iterator === undefined && !this.shardEnded) await this.openIterator();
        const batch = await this.gather();
        if (this.stopping) break;
        if (batch.length === 0) {
          if (this.shardEnded && this.overflow.length === 0) {
            await this.ctx.checkpoints.markClosed(this.shardId);
            this.state = 'closed';
            this.ctx.log({ level: 'info', event: 'shard-drained', shardId: this.shardId });
            this.ctx.onShardEnd(this.shardId);
            return;
          }
          continue;
        }
        if (!(await this.process(batch))) break;
        consecutiveErrors = 0;
      } catch (error) {
        if (this.stopping) break;
        consecutiveErrors++;
        this.lastError = { message: errorMessage(error), at: new Date().toISOString() };
        this.ctx.log({ level: 'warn', event: 'shard-error', shardId: this.shardId, error: this.lastError.message });
        // Whatever was read but not checkpointed is read again: at-least-once, nothing lost.
        this.iterator = undefined;
        this.shardEnded = false;
        this.overflow = [];
        await this.sleep(Math.min(5_000, 100 * 2 ** Math.min(consecutiveErrors, 6)));
      }
    }
    if (this.state !== 'closed') this.state = 'stopped';
  }

  private async openIterator(position?: { after: string }): Promise<void> {
    const { sdk, kinesis, streamName } = this.ctx;
    const checkpoint = this.ctx.checkpoints.get(this.shardId);
    let request: {
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' | 'AT_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST';
      StartingSequenceNumber?: string;
    };
    if (position) request = { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: position.after };
    else if (checkpoint?.sequenceNumber)
      request = { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint.sequenceNumber };
    else if (checkpoint?.resumeAt)
      request = { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint.resumeAt };
    else request = { ShardIteratorType: this.ctx.startingPosition };
    let response: { ShardIterator?: string };
    try {
      // kinesalite accepts StreamName only, not StreamARN.
      response = await kinesis.send(
        new sdk.GetShardIteratorCommand({ StreamName: streamName, ShardId: this.shardId, ...request }),
      );
    } catch (error) {
      if (!request.StartingSequenceNumber || (error as Error).name !== 'InvalidArgumentException') throw error;
      // A sequence number "that did not come from this stream": the stream was deleted and made
      // again under the same name, so the old checkpoint means nothing; read the new one whole.
      this.ctx.log({ level: 'warn', event: 'checkpoint-invalid', shardId: this.shardId, error: errorMessage(error) });
      response = await kinesis.send(
        new sdk.GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: this.shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
    }
    this.iterator = response.ShardIterator;
    this.shardEnded = !this.iterator;
    this.readPosition = request.StartingSequenceNumber;
    this.needsResumeAt = request.ShardIteratorType === 'LATEST';
  }

  /** Reads until the batch is full (count or 6 MB), the batching window elapses, or the shard ends. */
  private async gather(): Promise<ShardRecord[]> {
    // Settings are read on every pass so that update() applies to the batch being gathered.
    let settings = this.ctx.settings();
    let windowMs = settings.maximumBatchingWindowInSeconds * 1000;
    const batch: ShardRecord[] = [];
    let bytes = 0;
    const take = (record: ShardRecord): boolean => {
      if (batch.length >= settings.batchSize) return false;
      if (batch.length > 0 && bytes + record.eventBytes > MAX_EVENT_PAYLOAD_BYTES) return false;
      batch.push(record);
      bytes += record.eventBytes;
      return true;
    };
    while (this.overflow[0] && take(this.overflow[0])) this.overflow.shift();
    let firstAt = batch.length > 0 ? performance.now() : undefined;
    this.state = 'polling';
    while (!this.stopping) {
      settings = this.ctx.settings();
      windowMs = settings.maximumBatchingWindowInSeconds * 1000;
      if (batch.length > settings.batchSize) {
        this.overflow.unshift(...batch.splice(settings.batchSize));
        bytes = batch.reduce((sum, record) => sum + record.eventBytes, 0);
      }
      if (batch.length >= settings.batchSize || this.overflow.length > 0) break;
      const waited = firstAt === undefined ? 0 : performance.now() - firstAt;
      if (batch.length > 0 && waited >= windowMs) break;
      if (this.iterator === undefined) break;
      const response = await this.getRecords(Math.min(10_000, settings.batchSize - batch.length));
      if (!response) continue;
      this.iterator = response.NextShardIterator;
      if (!this.iterator) this.shardEnded = true;
      const records = (response.Records ?? []).map((record) =>
        toShardRecord(record, { ...this.ctx.identity, shardId: this.shardId }),
      );
      const last = records[records.length - 1];
      if (records[0] && last) {
        this.readPosition = last.sequenceNumber;
        this.newestUnprocessedMs = last.arrivalMs;
        firstAt ??= performance.now();
        if (this.needsResumeAt) {
          await this.ctx.checkpoints.setResumeAt(this.shardId, records[0].sequenceNumber);
          this.needsResumeAt = false;
        }
        for (const record of records) if (!take(record)) this.overflow.push(record);
      } else if (this.iterator) {
        // Local deviation: AWS polls an idle shard once per second; polling every idlePollMs
        // keeps end-to-end latency low, which is what a local run is for.
        const remaining = batch.length > 0 ? windowMs - waited : Number.POSITIVE_INFINITY;
        await this.sleep(Math.min(this.ctx.idlePollMs, remaining));
      }
    }
    return batch;
  }

  private async getRecords(limit: number) {
    try {
      return await this.ctx.kinesis.send(
        new this.ctx.sdk.GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ExpiredIteratorException') throw error;
      // Iterators live 5 minutes; long retries outlive them. Resume right after what was read.
      this.ctx.log({ level: 'debug', event: 'iterator-expired', shardId: this.shardId });
      await this.openIterator(this.readPosition ? { after: this.readPosition } : undefined);
      return undefined;
    }
  }

  /** Settles one batch; false when it was abandoned because the runner is stopping. */
  private async process(batch: ShardRecord[]): Promise<boolean> {
    this.counters.batches++;
    const queue: Unit[] = [{ records: batch, retries: 0, invokeCount: 0, lastWasFunctionError: false }];
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (this.stopping) return false;
      const settings = this.ctx.settings();
      if (settings.maximumRecordAgeInSeconds !== -1) {
        // Age from approximateArrivalTimestamp; records of a shard arrive in order, so the
        // expired ones are a prefix.
        const oldest = this.ctx.now() - settings.maximumRecordAgeInSeconds * 1000;
        let expired = 0;
        while (expired < unit.records.length && (unit.records[expired]?.arrivalMs ?? 0) < oldest) expired++;
        if (expired > 0) {
          await this.discard(unit, unit.records.slice(0, expired), 'RecordAgeExceeded');
          unit.records = unit.records.slice(expired);
          if (unit.records.length === 0) continue;
        }
      }
      const outcome = await this.invoke(unit.records);
      if (outcome.status === 'aborted') return false;
      unit.invokeCount++;
      unit.lastRequestId = outcome.requestId;
      const failedFrom =
        outcome.status === 'error'
          ? 0
          : settings.functionResponseTypes.includes('ReportBatchItemFailures')
            ? firstFailedIndex(outcome.result, unit.records)
            : -1;
      if (failedFrom === -1) {
        await this.commit(unit.records);
        continue;
      }
      if (outcome.status === 'error') {
        this.counters.functionErrors++;
        unit.lastWasFunctionError = true;
        this.lastError = { message: `${outcome.errorType}: ${outcome.errorMessage}`, at: new Date().toISOString() };
        this.ctx.log({
          level: 'warn',
          event: 'function-error',
          shardId: this.shardId,
          requestId: outcome.requestId,
          errorType: outcome.errorType,
          errorMessage: outcome.errorMessage,
          batchSize: unit.records.length,
        });
        if (settings.bisectBatchOnFunctionError && unit.records.length > 1) {
          // "Splitting batches doesn't consume the retry quota" (kinesis-on-failure-destination).
          const half = Math.ceil(unit.records.length / 2);
          this.counters.bisects++;
          queue.unshift(
            { ...unit, records: unit.records.slice(0, half) },
            { ...unit, records: unit.records.slice(half) },
          );
          continue;
        }
      } else {
        // Partial batch response: checkpoint before the lowest failed sequence number and retry
        // from it (services-kinesis-batchfailurereporting).
        this.counters.partialFailures++;
        unit.lastWasFunctionError = false;
        this.ctx.log({
          level: 'info',
          event: 'partial-batch-failure',
          shardId: this.shardId,
          requestId: outcome.requestId,
          failedSequenceNumber: unit.records[failedFrom]?.sequenceNumber,
          batchSize: unit.records.length,
        });
        if (failedFrom > 0) {
          await this.commit(unit.records.slice(0, failedFrom));
          unit.records = unit.records.slice(failedFrom);
        }
      }
      if (settings.maximumRetryAttempts !== -1 && unit.retries >= settings.maximumRetryAttempts) {
        await this.discard(unit, unit.records, 'RetryAttemptsExhausted');
        continue;
      }
      unit.retries++;
      this.counters.retries++;
      await this.sleep(Math.min(1_000, 50 * 2 ** (unit.retries - 1)));
      queue.unshift(unit);
    }
    return true;
  }

  private async invoke(records: ShardRecord[]): Promise<InvocationOutcome> {
    if (this.invoker && this.ctx.fn().generation !== this.invokerGeneration) {
      // A new bundle or environment takes effect between invocations, in a fresh environment.
      await this.invoker.close();
      this.invoker = undefined;
    }
    const invoker = this.currentInvoker();
    this.state = 'invoking';
    this.counters.invocations++;
    const outcome = await invoker.invoke(toKinesisEvent(records, { ...this.ctx.identity, shardId: this.shardId }));
    this.state = 'polling';
    return outcome;
  }

  private currentInvoker(): FunctionInvoker {
    if (this.invoker) return this.invoker;
    const { config, generation } = this.ctx.fn();
    this.invoker = new FunctionInvoker({
      fn: config,
      functionArn: this.ctx.functionArn,
      shardId: this.shardId,
      functionLog: this.ctx.functionLog,
      log: this.ctx.log,
    });
    this.invokerGeneration = generation;
    return this.invoker;
  }

  /** Sends a batch's metadata to the on-failure destination, then moves past it. */
  private async discard(unit: Unit, records: ShardRecord[], condition: DiscardCondition): Promise<void> {
    const record = onFailureRecord({
      records,
      shardId: this.shardId,
      streamArn: this.ctx.identity.streamArn,
      functionArn: this.ctx.functionArn,
      condition,
      approximateInvokeCount: unit.invokeCount,
      functionError: unit.lastWasFunctionError,
      requestId: unit.lastRequestId,
      now: this.ctx.now(),
    });
    await this.ctx.failures.send(record);
    this.counters.sentToFailureDestination++;
    this.counters.recordsSentToFailureDestination += records.length;
    this.ctx.log({
      level: 'warn',
      event: 'batch-discarded',
      shardId: this.shardId,
      condition,
      batchSize: records.length,
      startSequenceNumber: record.KinesisBatchInfo.startSequenceNumber,
      endSequenceNumber: record.KinesisBatchInfo.endSequenceNumber,
      destination: this.ctx.failures.file,
    });
    await this.checkpoint(records);
  }

  private async commit(records: ShardRecord[]): Promise<void> {
    this.counters.records += records.length;
    await this.checkpoint(records);
  }

  /**
   * Records the checkpoint in memory and persists it without holding up the next batch: an
   * fsync'd atomic write costs 10-30 ms here, on the latency path of every batch otherwise. The
   * file only ever names handled records, and stop() flushes it, so a crash can at worst
   * redeliver the last batch (at-least-once, as on AWS), never skip one.
   */
  private async checkpoint(records: ShardRecord[]): Promise<void> {
    const last = records[records.length - 1];
    if (!last) return;
    this.ctx.checkpoints.commit(this.shardId, last.sequenceNumber).catch((error: unknown) => {
      this.lastError = { message: errorMessage(error), at: new Date().toISOString() };
      this.ctx.log({
        level: 'error',
        event: 'checkpoint-write-failed',
        shardId: this.shardId,
        error: this.lastError.message,
      });
    });
    if (last.sequenceNumber === this.readPosition && this.overflow.length === 0) this.newestUnprocessedMs = undefined;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
