// One concurrent batch of a shard: invokes its own execution environment and carries out the batch policy.

import { type Attempt, afterInvocation, type BatchDecision, retryPauseMs, splitByRecordAge } from './batch-policy.js';
import { type DiscardCondition, type FailureDestination, onFailureRecord } from './failure-destination.js';
import { FunctionInvoker, type InvocationOutcome } from './function-invoker.js';
import { type InvocationSample, invocationSample } from './invocation-log.js';
import { type EventSourceIdentity, type KinesisEvent, type ShardRecord, toKinesisEvent } from './kinesis-event.js';
import type { FunctionLogSink, RunnerLog, ShardCounters } from './reports.js';
import type { FunctionConfig, MappingSettings } from './settings.js';

/**
 * A shard has one lane per concurrent batch (ParallelizationFactor, see parallelization.ts), each
 * with its own warm execution environment, as each concurrent batch on AWS is its own invocation.
 * A lane settles one batch at a time: what happens after an invocation is decided by
 * batch-policy.ts; the lane carries it out (counters, log events, the on-failure destination) and
 * tells the shard which records are handled, for the shard to checkpoint.
 */

export interface LaneContext {
  identity: EventSourceIdentity;
  functionArn: string;
  settings(): MappingSettings;
  fn(): { config: FunctionConfig; generation: number };
  failures: FailureDestination;
  log: RunnerLog;
  functionLog?: FunctionLogSink;
  now(): number;
  /** The shard's counters, shared by its lanes. */
  counters: ShardCounters;
  setLastError(message: string): void;
  stopping(): boolean;
  /** The shard's sleep, which stop() cuts short. */
  sleep(ms: number): Promise<void>;
  /** Records succeeded or were sent to the on-failure destination: the shard may checkpoint them. */
  handled(records: ShardRecord[]): void;
  /** Each settled invocation, for `status` (the shard keeps the recent ones). */
  invoked?(sample: InvocationSample): void;
}

/** How a lane's invocations look when they are not plain Kinesis events (tumbling windows). */
export interface InvocationShape {
  event(records: ShardRecord[]): KinesisEvent;
  /** Checks a successful response: a message makes it a failed invocation. */
  accept(result: unknown): string | undefined;
}

/** An attempt with what the on-failure record tells about it. */
interface Unit extends Attempt {
  invokeCount: number;
  lastRequestId?: string;
  lastWasFunctionError: boolean;
}

export class BatchLane {
  private invoker: FunctionInvoker | undefined;
  private invokerGeneration = -1;
  /** An invocation is in flight. */
  invoking = false;

  constructor(
    readonly index: number,
    private readonly ctx: LaneContext,
  ) {}

  private get shardId(): string {
    return this.ctx.identity.shardId;
  }

  /** Starts the execution environment now, so the first batch does not pay the cold start. */
  warm(): void {
    this.currentInvoker().warm();
  }

  /** Kills the in-flight invocation: its batch is neither handled nor discarded. */
  abort(): void {
    this.invoker?.abort();
  }

  async close(): Promise<void> {
    await this.invoker?.close();
    this.invoker = undefined;
  }

  /** Settles one batch; false when it was abandoned because the shard is stopping. */
  async process(batch: ShardRecord[], shape?: InvocationShape): Promise<boolean> {
    const { counters } = this.ctx;
    counters.batches++;
    const queue: Unit[] = [{ records: batch, retries: 0, invokeCount: 0, lastWasFunctionError: false }];
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (this.ctx.stopping()) return false;
      const settings = this.ctx.settings();
      const { expired, live } = splitByRecordAge(unit.records, settings.maximumRecordAgeInSeconds, this.ctx.now());
      if (expired.length > 0) {
        await this.discard(unit, expired, 'RecordAgeExceeded');
        unit.records = live;
        if (live.length === 0) continue;
      }
      let outcome = await this.invoke(
        shape ? shape.event(unit.records) : toKinesisEvent(unit.records, this.ctx.identity),
      );
      if (outcome.status === 'aborted') return false;
      const problem = outcome.status === 'success' ? shape?.accept(outcome.result) : undefined;
      if (problem !== undefined) {
        const { requestId, durationMs } = outcome;
        outcome = { status: 'error', requestId, errorType: 'InvalidResponse', errorMessage: problem, durationMs };
      }
      this.ctx.invoked?.(invocationSample(outcome, unit.records.length, this.ctx.now()));
      unit.invokeCount++;
      unit.lastRequestId = outcome.requestId;
      unit.lastWasFunctionError = outcome.status === 'error';
      const decision = afterInvocation(unit, outcome, settings);
      if (decision.action === 'commit') {
        this.commit(decision.commit);
        continue;
      }
      this.reportFailure(unit, outcome, decision);
      if (decision.action === 'bisect') {
        counters.bisects++;
        queue.unshift(...decision.halves);
        continue;
      }
      if (decision.commit.length > 0) this.commit(decision.commit);
      if (decision.action === 'discard') {
        await this.discard(unit, decision.discard, decision.condition);
        continue;
      }
      if (decision.fresh) {
        // A new attempt: its own invocation count and retry budget (see batch-policy.ts).
        queue.unshift({ ...decision.retry, invokeCount: 0, lastWasFunctionError: false });
        continue;
      }
      counters.retries++;
      const oldest = decision.retry.records[0]?.arrivalMs;
      await this.ctx.sleep(retryPauseMs(decision.delayMs, oldest, settings.maximumRecordAgeInSeconds, this.ctx.now()));
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
      this.ctx.counters.functionErrors++;
      this.ctx.setLastError(`${outcome.errorType}: ${outcome.errorMessage}`);
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
      this.ctx.counters.partialFailures++;
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

  /** One invocation with this event, outside any batch (a tumbling window's final invocation). */
  async invoke(event: KinesisEvent): Promise<InvocationOutcome> {
    if (this.invoker && this.ctx.fn().generation !== this.invokerGeneration) {
      // A new bundle or environment takes effect between invocations, in a fresh environment.
      await this.invoker.close();
      this.invoker = undefined;
    }
    const invoker = this.currentInvoker();
    this.invoking = true;
    this.ctx.counters.invocations++;
    try {
      return await invoker.invoke(event);
    } finally {
      this.invoking = false;
    }
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
    this.ctx.counters.sentToFailureDestination++;
    this.ctx.counters.recordsSentToFailureDestination += records.length;
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
    this.ctx.handled(records);
  }

  private commit(records: ShardRecord[]): void {
    this.ctx.counters.records += records.length;
    this.ctx.handled(records);
  }
}
