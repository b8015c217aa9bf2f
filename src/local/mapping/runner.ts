// The local engine's event source mapping: one shard poller per shard, started, updated and stopped together.

import { join } from 'node:path';
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { CheckpointStore } from './checkpoints.js';
import { FailureDestination } from './failure-destination.js';
import type { FunctionLogSink, MappingStats, RunnerLog } from './reports.js';
import {
  type FunctionConfig,
  type MappingSettings,
  type StartingPosition,
  validateFunction,
  validateMapping,
} from './settings.js';
import { listShards, planShards, waitingStats } from './shard-lineage.js';
import { type PollerContext, ShardPoller } from './shard-poller.js';

// The runner's public surface in one import, for the engine and the tests.
export type { FunctionLogSink, MappingStats, RunnerLog, RunnerLogEntry, ShardStats } from './reports.js';
export { type FunctionConfig, type MappingSettings, validateFunction, validateMapping } from './settings.js';

/**
 * The part of Lambda that polls a Kinesis stream and invokes a function with batches, with AWS's
 * documented semantics (see batch-policy.ts). One poller per shard, shards in parallel, each
 * shard read strictly in order, with one warm execution environment per concurrent batch (as on
 * AWS, where every shard's batches run concurrently): ParallelizationFactor of them per shard,
 * per-key order kept (parallelization.ts), or one with tumbling windows (windowed-shard.ts).
 *
 * Resharding: shards are listed at start and every `shardRefreshMs`; children wait for their
 * parents as shard-lineage.ts decides.
 */

export interface MappingRunnerOptions {
  /** Made with createKinesisClient (HTTP/1.1 handler) or injected. */
  kinesis: KinesisClient;
  streamName: string;
  streamArn: string;
  mapping: MappingSettings;
  fn: FunctionConfig;
  /** Holds checkpoints.json (and failures.jsonl unless failureFile is given). */
  stateDir: string;
  /** The on-failure destination; default `<stateDir>/failures.jsonl`. */
  failureFile?: string;
  log?: RunnerLog;
  functionLog?: FunctionLogSink;
  /** Sleep between polls of a shard with no new records; default 100 ms (AWS: 1 s). */
  idlePollMs?: number;
  /** ListShards interval; default 10 000 ms. */
  shardRefreshMs?: number;
  /** Clock for MaximumRecordAgeInSeconds and failure timestamps; default Date.now. */
  now?: () => number;
  /** The event's invokeIdentityArn; default arn:aws:iam::<account>:role/<functionName>-role. */
  invokeIdentityArn?: string;
}

export interface MappingRunner {
  /** Lists shards and starts polling; rejects if the stream cannot be listed. */
  start(): Promise<void>;
  /** Lets in-flight invocations finish for graceMs (default 3000), else abandons them unacknowledged. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** New mapping settings apply from the next batch; a new function from the next invocation. */
  update(change: { mapping?: MappingSettings; fn?: FunctionConfig }): Promise<void>;
  stats(): MappingStats;
}

export function createMappingRunner(options: MappingRunnerOptions): MappingRunner {
  validateMapping(options.mapping);
  validateFunction(options.fn);
  return new Runner(options);
}

class Runner implements MappingRunner {
  private mapping: MappingSettings;
  private fn: { config: FunctionConfig; generation: number };
  private readonly pollers = new Map<string, ShardPoller>();
  private readonly waiting = new Set<string>();
  private checkpoints: CheckpointStore | undefined;
  private readonly failures: FailureDestination;
  private sdk: typeof import('@aws-sdk/client-kinesis') | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private state: MappingStats['state'] = 'idle';
  private readonly log: RunnerLog;
  private readonly account: string;

  constructor(private readonly options: MappingRunnerOptions) {
    this.mapping = options.mapping;
    this.fn = { config: options.fn, generation: 0 };
    this.failures = new FailureDestination(options.failureFile ?? join(options.stateDir, 'failures.jsonl'));
    this.log = options.log ?? (() => undefined);
    this.account = options.streamArn.split(':')[4] || '000000000000';
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`mapping runner already ${this.state}`);
    this.sdk = await import('@aws-sdk/client-kinesis');
    this.checkpoints = await CheckpointStore.open({
      file: join(this.options.stateDir, 'checkpoints.json'),
      streamArn: this.options.streamArn,
      functionName: this.fn.config.functionName,
      onCorrupt: (detail) => this.log({ level: 'error', event: 'checkpoint-file-corrupt', ...detail }),
    });
    this.state = this.mapping.enabled === false ? 'disabled' : 'running';
    if (this.state === 'running') {
      try {
        await this.refresh();
      } catch (error) {
        // Not started: the caller may fix the stream and call start() again.
        this.state = 'idle';
        throw error;
      }
    }
    this.timer = setInterval(() => {
      if (this.state === 'running') void this.refresh().catch(() => undefined);
    }, this.options.shardRefreshMs ?? 10_000);
    this.timer.unref();
    this.log({ level: 'info', event: 'mapping-started', streamName: this.options.streamName, state: this.state });
  }

  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    clearInterval(this.timer);
    await this.refreshing.catch(() => undefined);
    await this.stopPollers(options.graceMs ?? 3_000);
    await this.checkpoints?.flush();
    this.state = 'stopped';
    this.log({ level: 'info', event: 'mapping-stopped', streamName: this.options.streamName });
  }

  async update(change: { mapping?: MappingSettings; fn?: FunctionConfig }): Promise<void> {
    if (change.mapping) validateMapping(change.mapping);
    if (change.fn) validateFunction(change.fn);
    if (change.fn) {
      this.fn = { config: change.fn, generation: this.fn.generation + 1 };
      this.log({ level: 'info', event: 'function-updated', bundlePath: change.fn.bundlePath });
    }
    if (!change.mapping) return;
    this.mapping = change.mapping;
    this.log({ level: 'info', event: 'mapping-updated' });
    if (this.state === 'running' && change.mapping.enabled === false) {
      this.state = 'disabled';
      await this.stopPollers(3_000);
    } else if (this.state === 'disabled' && change.mapping.enabled !== false) {
      this.state = 'running';
      this.pollers.clear();
      await this.refresh();
    }
  }

  stats(): MappingStats {
    const shards = [...this.pollers.values()].map((poller) => poller.stats());
    for (const shardId of this.waiting)
      shards.push(waitingStats(shardId, this.checkpoints?.get(shardId)?.sequenceNumber));
    shards.sort((a, b) => a.shardId.localeCompare(b.shardId));
    return {
      state: this.state,
      streamName: this.options.streamName,
      functionName: this.fn.config.functionName,
      checkpointFile: join(this.options.stateDir, 'checkpoints.json'),
      failureFile: this.failures.file,
      shards,
    };
  }

  private async stopPollers(graceMs: number): Promise<void> {
    const pollers = [...this.pollers.values()];
    for (const poller of pollers) poller.stop();
    const all = Promise.all(pollers.map((poller) => poller.done));
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      all.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      // Abandoned without a checkpoint: redelivered after restart (at-least-once).
      this.log({ level: 'warn', event: 'in-flight-abandoned', graceMs });
      for (const poller of pollers) poller.abort();
    }
    await all;
    await Promise.all(pollers.map((poller) => poller.close()));
    this.waiting.clear();
  }

  /** Lists the stream's shards and starts a poller for each shard that may start now. */
  private refresh(): Promise<void> {
    const next = this.refreshing.catch(() => undefined).then(() => this.refreshNow());
    this.refreshing = next;
    return next;
  }

  private async refreshNow(): Promise<void> {
    const sdk = this.sdk;
    const checkpoints = this.checkpoints;
    if (!sdk || !checkpoints || this.state !== 'running') return;
    let listed: Shard[];
    try {
      listed = await listShards(this.options.kinesis, sdk, this.options.streamName);
    } catch (error) {
      this.log({ level: 'warn', event: 'list-shards-failed', error: (error as Error).message });
      throw error;
    }
    const plan = planShards(
      listed,
      (shardId) => this.pollers.has(shardId),
      (shardId) => checkpoints.get(shardId),
    );
    for (const shard of plan) {
      const { shardId } = shard;
      if (shard.action === 'wait') {
        this.waiting.add(shardId);
        continue;
      }
      this.waiting.delete(shardId);
      const poller = new ShardPoller(
        shardId,
        this.pollerContext(shard.fromTrimHorizon ? 'TRIM_HORIZON' : this.mapping.startingPosition),
      );
      this.pollers.set(shardId, poller);
      poller.start();
      this.log({ level: 'info', event: 'shard-started', shardId });
    }
  }

  private pollerContext(startingPosition: StartingPosition): PollerContext {
    const fn = this.fn.config;
    const sdk = this.sdk;
    const checkpoints = this.checkpoints;
    if (!sdk || !checkpoints) throw new Error('mapping runner not started');
    return {
      kinesis: this.options.kinesis,
      sdk,
      streamName: this.options.streamName,
      identity: {
        streamArn: this.options.streamArn,
        region: fn.region,
        invokeIdentityArn:
          this.options.invokeIdentityArn ?? `arn:aws:iam::${this.account}:role/${fn.functionName}-role`,
      },
      functionArn: `arn:aws:lambda:${fn.region}:${this.account}:function:${fn.functionName}`,
      settings: () => this.mapping,
      fn: () => this.fn,
      checkpoints,
      failures: this.failures,
      log: this.log,
      functionLog: this.options.functionLog,
      idlePollMs: this.options.idlePollMs ?? 100,
      now: this.options.now ?? Date.now,
      startingPosition,
      onShardEnd: () => {
        if (this.state === 'running') void this.refresh().catch(() => undefined);
      },
    };
  }
}
