// One shard of one event source mapping: reads batches, invokes the function, carries out the batch policy.

import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type Attempt, afterInvocation, type BatchDecision, splitByRecordAge } from './batch-policy.js';
import type { CheckpointStore } from './checkpoints.js';
import { type DiscardCondition, type FailureDestination, onFailureRecord } from './failure-destination.js';
import { FunctionInvoker, type InvocationOutcome } from './function-invoker.js';
import { type InvocationSample, type ReadSample, RecentLog } from './invocation-log.js';
import { type EventSourceIdentity, type ShardRecord, toKinesisEvent } from './kinesis-event.js';
import { emptyShardCounters, errorMessage, type FunctionLogSink, type RunnerLog, type ShardStats } from './reports.js';
import type { FunctionConfig, MappingSettings, StartingPosition } from './settings.js';
import { type FilteredRecords, ShardReader } from './shard-reader.js';

/**
 * The shard is read strictly in order and one batch is invoked at a time; what happens after an
 * invocation is decided by batch-policy.ts, and this class only carries it out: counters, log
 * events, checkpoints and the on-failure destination.
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
  startingPosition: StartingPosition;
  onShardEnd(shardId: string): void;
}

/** An attempt with what the on-failure record tells about it. */
interface Unit extends Attempt {
  invokeCount: number;
  lastRequestId?: string;
  lastWasFunctionError: boolean;
}

export class ShardPoller {
  private stopping = false;
  private readonly reader: ShardReader;
  private invoker: FunctionInvoker | undefined;
  private invokerGeneration = -1;
  private wake: (() => void) | undefined;
  private state: ShardStats['state'] = 'polling';
  private readonly counters = emptyShardCounters();
  private lastError: ShardStats['lastError'];
  /** For `status`: records read and recent invocations (kept apart from the runner's counters). */
  private recordsRead = 0;
  private readonly recentInvocations = new RecentLog<InvocationSample>();
  private readonly recentReads = new RecentLog<ReadSample>();
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly shardId: string,
    private readonly ctx: PollerContext,
  ) {
    this.reader = new ShardReader({
      ...ctx,
      identity: { ...ctx.identity, shardId },
      stopping: () => this.stopping,
      sleep: (ms) => this.sleep(ms),
    });
  }

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
      lagMs: this.reader.lagMs(),
      ...this.counters,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      recordsRead: this.recordsRead,
      recent: this.recentInvocations.since(),
      recentReads: this.recentReads.since(),
    };
  }

  private async run(): Promise<void> {
    let consecutiveErrors = 0;
    while (!this.stopping) {
      try {
        this.state = 'polling';
        const batch = await this.reader.nextBatch();
        const filtered = this.reader.takeFiltered();
        if (this.stopping) break;
        if (batch.length > 0 && !(await this.process(batch))) break;
        await this.settleFiltered(filtered);
        if (batch.length === 0) {
          if (this.reader.drained) {
            await this.ctx.checkpoints.markClosed(this.shardId);
            this.state = 'closed';
            this.ctx.log({ level: 'info', event: 'shard-drained', shardId: this.shardId });
            this.ctx.onShardEnd(this.shardId);
            return;
          }
          continue;
        }
        consecutiveErrors = 0;
      } catch (error) {
        if (this.stopping) break;
        consecutiveErrors++;
        this.lastError = { message: errorMessage(error), at: new Date().toISOString() };
        this.ctx.log({ level: 'warn', event: 'shard-error', shardId: this.shardId, error: this.lastError.message });
        this.reader.rewind();
        await this.sleep(Math.min(5_000, 100 * 2 ** Math.min(consecutiveErrors, 6)));
      }
    }
    if (this.state !== 'closed') this.state = 'stopped';
  }

  /** Settles one batch; false when it was abandoned because the runner is stopping. */
  private async process(batch: ShardRecord[]): Promise<boolean> {
    this.counters.batches++;
    this.recordsRead += batch.length;
    this.recentReads.add({ at: this.ctx.now(), records: batch.length });
    const queue: Unit[] = [{ records: batch, retries: 0, invokeCount: 0, lastWasFunctionError: false }];
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (this.stopping) return false;
      const settings = this.ctx.settings();
      const { expired, live } = splitByRecordAge(unit.records, settings.maximumRecordAgeInSeconds, this.ctx.now());
      if (expired.length > 0) {
        await this.discard(unit, expired, 'RecordAgeExceeded');
        unit.records = live;
        if (live.length === 0) continue;
      }
      const outcome = await this.invoke(unit.records);
      if (outcome.status === 'aborted') return false;
      unit.invokeCount++;
      unit.lastRequestId = outcome.requestId;
      unit.lastWasFunctionError = outcome.status === 'error';
      const decision = afterInvocation(unit, outcome, settings);
      if (decision.action === 'commit') {
        await this.commit(decision.commit);
        continue;
      }
      this.reportFailure(unit, outcome, decision);
      if (decision.action === 'bisect') {
        this.counters.bisects++;
        queue.unshift(...decision.halves);
        continue;
      }
      if (decision.commit.length > 0) await this.commit(decision.commit);
      if (decision.action === 'discard') {
        await this.discard(unit, decision.discard, decision.condition);
        continue;
      }
      if (decision.fresh) {
        // A new attempt: its own invocation count and retry budget (see batch-policy.ts).
        queue.unshift({ ...decision.retry, invokeCount: 0, lastWasFunctionError: false });
        continue;
      }
      this.counters.retries++;
      await this.sleep(decision.delayMs);
      queue.unshift(decision.retry);
    }
    return true;
  }

  private reportFailure(
    unit: Unit,
    outcome: Exclude<InvocationOutcome, { status: 'aborted' }>,
    decision: Exclude<BatchDecision<Unit>, { action: 'commit' }>,
  ): void {
    const { failure } = decision;
    if (failure.kind === 'function-error' && outcome.status === 'error') {
      this.counters.functionErrors++;
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
    } else if (failure.kind === 'partial-failure') {
      this.counters.partialFailures++;
      this.ctx.log({
        level: 'info',
        event: 'partial-batch-failure',
        shardId: this.shardId,
        requestId: outcome.requestId,
        failedSequenceNumber: failure.failedSequenceNumber,
        batchSize: unit.records.length,
      });
    }
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
    if (outcome.status !== 'aborted')
      this.recentInvocations.add(invocationSample(outcome, records.length, this.ctx.now()));
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

  /** Records FilterCriteria dropped are never delivered: counted, and checkpointed past. */
  private async settleFiltered(filtered: FilteredRecords): Promise<void> {
    this.counters.filtered += filtered.count;
    if (filtered.through) await this.checkpoint([filtered.through]);
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
    this.reader.handledThrough(last.sequenceNumber);
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

/** What the invocation log keeps of an outcome: a reported partial failure is not an error. */
function invocationSample(
  outcome: Exclude<InvocationOutcome, { status: 'aborted' }>,
  records: number,
  at: number,
): InvocationSample {
  if (outcome.status === 'error') return { at, durationMs: outcome.durationMs, records, result: 'error' };
  const failures = (outcome.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures;
  const partial = Array.isArray(failures) && failures.length > 0;
  return { at, durationMs: outcome.durationMs, records, result: partial ? 'partial' : 'ok' };
}
