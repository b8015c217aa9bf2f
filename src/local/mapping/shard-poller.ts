// One shard of one event source mapping: reads it in order and hands its records to one or more concurrent batches.

import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { BatchLane, type LaneContext } from './batch-lane.js';
import type { CheckpointStore } from './checkpoints.js';
import { runConcurrentLanes } from './concurrent-lanes.js';
import type { FailureDestination } from './failure-destination.js';
import { type InvocationSample, type ReadSample, RecentLog } from './invocation-log.js';
import type { EventSourceIdentity, ShardRecord } from './kinesis-event.js';
import { HandledPrefix } from './parallelization.js';
import { emptyShardCounters, errorMessage, type FunctionLogSink, type RunnerLog, type ShardStats } from './reports.js';
import type { FunctionConfig, MappingSettings, StartingPosition } from './settings.js';
import { ShardReader } from './shard-reader.js';
import { runWindowedShard } from './windowed-shard.js';

/**
 * The shard is read strictly in order. With ParallelizationFactor 1 one batch is invoked at a
 * time; with N > 1 records are spread over N lanes by partition key (parallelization.ts) and up
 * to N batches run at once, each lane in order. Either way a lane (batch-lane.ts) settles each
 * batch, and the checkpoint moves only over records every lane is done with.
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

export type Ended = 'ended' | 'resize';

export class ShardPoller {
  private stopping = false;
  private readonly reader: ShardReader;
  private lanes: BatchLane[] = [];
  private readonly laneContext: LaneContext;
  private readonly sleepers = new Set<() => void>();
  private readonly waiters = new Set<() => void>();
  private readonly prefix = new HandledPrefix();
  private state: ShardStats['state'] = 'polling';
  private readonly counters = emptyShardCounters();
  private lastError: ShardStats['lastError'];
  /** For `status`: records read and recent invocations (kept apart from the runner's counters). */
  private recordsRead = 0;
  private readonly recentInvocations = new RecentLog<InvocationSample>();
  private readonly recentReads = new RecentLog<ReadSample>();
  /** Records handled in a tumbling window not yet finished: checkpointed after its final invocation. */
  private held: ShardRecord[] | undefined;
  private warnedWindowFactor = false;
  /** Shard errors since records were last handled: the pause before reading again grows with them. */
  private consecutiveErrors = 0;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly shardId: string,
    private readonly ctx: PollerContext,
  ) {
    const identity = { ...ctx.identity, shardId };
    this.reader = new ShardReader({
      ...ctx,
      identity,
      stopping: () => this.stopping,
      sleep: (ms) => this.sleep(ms),
    });
    this.laneContext = {
      ...ctx,
      identity,
      counters: this.counters,
      setLastError: (message) => {
        this.lastError = { message, at: new Date().toISOString() };
      },
      stopping: () => this.stopping,
      sleep: (ms) => this.sleep(ms),
      handled: (records) => this.handled(records),
      invoked: (sample) => this.recentInvocations.add(sample),
    };
  }

  start(): void {
    this.resizeLanes(this.factor()).catch(() => undefined);
    this.done = this.run();
  }

  /** Finish the current invocations (and checkpoint them), then stop; abandons a batch still being gathered. */
  stop(): void {
    this.stopping = true;
    for (const wake of [...this.sleepers, ...this.waiters]) wake();
  }

  /** Kills the in-flight invocations: their batches are neither checkpointed nor discarded. */
  abort(): void {
    for (const lane of this.lanes) lane.abort();
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.close()));
  }

  stats(): ShardStats {
    const invoking = this.state === 'polling' && this.lanes.some((lane) => lane.invoking);
    return {
      shardId: this.shardId,
      state: invoking ? 'invoking' : this.state,
      checkpoint: this.ctx.checkpoints.get(this.shardId)?.sequenceNumber,
      lagMs: this.reader.lagMs(),
      ...this.counters,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      recordsRead: this.recordsRead,
      recent: this.recentInvocations.since(),
      recentReads: this.recentReads.since(),
    };
  }

  /** Concurrent batches: 1 with tumbling windows, whose state is per shard (see run()). */
  private factor(): number {
    return this.windowSeconds() > 0 ? 1 : (this.ctx.settings().parallelizationFactor ?? 1);
  }

  private windowSeconds(): number {
    return this.ctx.settings().tumblingWindowInSeconds ?? 0;
  }

  private runWindowed(): Promise<Ended> {
    const settings = this.ctx.settings();
    if ((settings.parallelizationFactor ?? 1) > 1 && !this.warnedWindowFactor) {
      // A window's state is one per shard: its batches cannot run concurrently.
      this.warnedWindowFactor = true;
      this.ctx.log({
        level: 'warn',
        event: 'parallelization-not-applied',
        shardId: this.shardId,
        reason: 'TumblingWindowInSeconds is set: one batch at a time per shard, the window state is per shard',
      });
    }
    return runWindowedShard({
      identity: this.laneContext.identity,
      lane: this.lanes[0] as BatchLane,
      windowSeconds: () => this.windowSeconds(),
      nextBatch: (untilMs) => this.read(untilMs === undefined ? undefined : { untilMs }),
      drained: () => this.reader.drained,
      stopping: () => this.stopping,
      sleep: (ms) => this.sleep(ms),
      log: this.ctx.log,
      holdHandled: () => {
        this.held = [];
      },
      releaseHandled: () => {
        const held = this.held ?? [];
        this.held = [];
        this.checkpoint(held);
      },
      closeShard: () => this.closeShard(),
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const factor = this.factor();
        await this.resizeLanes(factor);
        const ended =
          this.windowSeconds() > 0
            ? await this.runWindowed().finally(() => {
                this.held = undefined;
              })
            : factor === 1
              ? await this.runOneBatchAtATime()
              : await runConcurrentLanes({
                  lanes: this.lanes,
                  current: () => this.factor() === factor && this.windowSeconds() === 0,
                  batchSize: () => this.ctx.settings().batchSize,
                  nextBatch: (limits) => this.read(limits),
                  drained: () => this.reader.drained,
                  outstanding: () => this.prefix.outstanding,
                  stopping: () => this.stopping,
                  signal: () => this.signal(),
                  waitForSignal: () => this.waitForSignal(),
                  closeShard: () => this.closeShard(),
                });
        if (ended === 'ended') break;
      } catch (error) {
        if (this.stopping) break;
        this.consecutiveErrors++;
        this.lastError = { message: errorMessage(error), at: new Date().toISOString() };
        this.ctx.log({ level: 'warn', event: 'shard-error', shardId: this.shardId, error: this.lastError.message });
        // Whatever was read but not checkpointed is read again (at-least-once, nothing lost).
        this.reader.rewind();
        this.prefix.clear();
        await this.sleep(Math.min(5_000, 100 * 2 ** Math.min(this.consecutiveErrors, 6)));
      }
    }
    if (this.state !== 'closed') this.state = 'stopped';
  }

  /** ParallelizationFactor 1: read a batch, settle it, read the next. */
  private async runOneBatchAtATime(): Promise<Ended> {
    const lane = this.lanes[0] as BatchLane;
    while (!this.stopping) {
      if (this.factor() !== 1 || this.windowSeconds() > 0) return 'resize';
      const batch = await this.read();
      if (this.stopping) break;
      if (batch.length === 0) {
        if (this.reader.drained) return this.closeShard();
        continue;
      }
      if (!(await lane.process(batch))) break;
    }
    return 'ended';
  }

  /**
   * The next batch, registered for the checkpoint in shard order. Records FilterCriteria dropped
   * are never delivered: counted, and handled at once; the last of them comes after every record
   * of the batch (shard-reader.ts), so the checkpoint moves past them once the batch is settled.
   * The batch may be empty with only filtered records.
   */
  private async read(limits?: Parameters<ShardReader['nextBatch']>[0]): Promise<ShardRecord[]> {
    const batch = await this.reader.nextBatch(limits);
    if (batch.length > 0) {
      this.recordsRead += batch.length;
      this.recentReads.add({ at: this.ctx.now(), records: batch.length });
    }
    const filtered = this.reader.takeFiltered();
    this.prefix.add(batch);
    this.counters.filtered += filtered.count;
    if (filtered.through) {
      this.prefix.add([filtered.through]);
      this.handled([filtered.through]);
    }
    return batch;
  }

  /** Lanes for `factor` concurrent batches: new ones start warm, surplus ones are shut down. */
  private async resizeLanes(factor: number): Promise<void> {
    while (this.lanes.length < factor) {
      const lane = new BatchLane(this.lanes.length, this.laneContext);
      this.lanes.push(lane);
      lane.warm();
    }
    const surplus = this.lanes.splice(factor);
    await Promise.all(surplus.map((lane) => lane.close()));
  }

  private async closeShard(): Promise<'ended'> {
    await this.ctx.checkpoints.markClosed(this.shardId);
    this.state = 'closed';
    this.ctx.log({ level: 'info', event: 'shard-drained', shardId: this.shardId });
    this.ctx.onShardEnd(this.shardId);
    return 'ended';
  }

  /**
   * Records were handled (succeeded or sent to the on-failure destination). The checkpoint moves
   * to the highest sequence number at or below which every record is handled (parallelization.ts),
   * and is persisted without holding up the next batch: an fsync'd atomic write costs 10-30 ms
   * here, on the latency path of every batch otherwise. The file only ever names handled records,
   * and stop() flushes it, so a crash can at worst redeliver records, never skip one.
   */
  private handled(records: ShardRecord[]): void {
    this.consecutiveErrors = 0;
    if (this.held) {
      for (const record of records) this.held.push(record);
      return;
    }
    this.checkpoint(records);
  }

  private checkpoint(records: ShardRecord[]): void {
    const through = this.prefix.markHandled(records);
    if (through === undefined) return;
    this.ctx.checkpoints.commit(this.shardId, through).catch((error: unknown) => {
      this.lastError = { message: errorMessage(error), at: new Date().toISOString() };
      this.ctx.log({
        level: 'error',
        event: 'checkpoint-write-failed',
        shardId: this.shardId,
        error: this.lastError.message,
      });
    });
    this.reader.handledThrough(through);
  }

  /** Wakes whoever waits for a lane to take or settle records, or for records to arrive. */
  private signal(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private waitForSignal(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
