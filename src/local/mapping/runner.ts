import { join } from 'node:path';
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { CheckpointStore } from './checkpoints.js';
import { FailureDestination } from './failure-destination.js';
import { type FunctionConfig, type MappingSettings, validateFunction, validateMapping } from './settings.js';
import { emptyShardCounters, type PollerContext, ShardPoller } from './shard-poller.js';

export { type FunctionConfig, type MappingSettings, validateFunction, validateMapping } from './settings.js';

/**
 * The local engine's event source mapping: the part of Lambda that polls a Kinesis stream and
 * invokes a function with batches, with AWS's documented semantics (see shard-poller.ts). One
 * poller per shard, shards in parallel, each shard strictly in order, each with its own warm
 * execution environment (as on AWS, where every shard's batches run concurrently).
 *
 * Resharding: shards are listed at start and every `shardRefreshMs`; a child shard starts only
 * once its parent(s) were read to their end (or have left the stream), and starts at
 * TRIM_HORIZON when this mapping read the parent, so ordering per partition key holds.
 */

export interface RunnerLogEntry extends Record<string, unknown> {
  level: 'debug' | 'info' | 'warn' | 'error';
  /** Stable kebab-case name, e.g. 'function-error', 'batch-discarded', 'shard-error'. */
  event: string;
  shardId?: string;
}
export type RunnerLog = (entry: RunnerLogEntry) => void;

/** One line the function wrote ('stdout'/'stderr'), or a Lambda platform line (START/END/REPORT, timeouts). */
export type FunctionLogSink = (
  line: string,
  meta: { stream: 'stdout' | 'stderr' | 'platform'; shardId?: string; functionName: string },
) => void;

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

export interface ShardStats {
  shardId: string;
  state: 'waiting-for-parent' | 'polling' | 'invoking' | 'closed' | 'stopped';
  /** Last sequence number checkpointed. */
  checkpoint?: string;
  /** now − arrival of the newest record read but not yet checkpointed; 0 when caught up (Lambda's IteratorAge). */
  lagMs: number;
  /** Batches read from the shard (a bisected or retried batch counts once). */
  batches: number;
  invocations: number;
  /** Records that succeeded (checkpointed after success). */
  records: number;
  functionErrors: number;
  partialFailures: number;
  retries: number;
  bisects: number;
  sentToFailureDestination: number;
  recordsSentToFailureDestination: number;
  lastError?: { message: string; at: string };
}

export interface MappingStats {
  state: 'idle' | 'running' | 'disabled' | 'stopping' | 'stopped';
  streamName: string;
  functionName: string;
  checkpointFile: string;
  failureFile: string;
  shards: ShardStats[];
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
  private shards = new Map<string, Shard>();
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
    this.shards = new Map(listed.map((shard) => [shard.ShardId ?? '', shard]));
    for (const shard of listed) {
      const shardId = shard.ShardId;
      if (!shardId || this.pollers.has(shardId) || checkpoints.get(shardId)?.closed) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id));
      if (parents.some((parent) => this.shards.has(parent) && !checkpoints.get(parent)?.closed)) {
        this.waiting.add(shardId);
        continue;
      }
      this.waiting.delete(shardId);
      const readParent = parents.some((parent) => checkpoints.get(parent) !== undefined);
      const poller = new ShardPoller(
        shardId,
        this.pollerContext(readParent ? 'TRIM_HORIZON' : this.mapping.startingPosition),
      );
      this.pollers.set(shardId, poller);
      poller.start();
      this.log({ level: 'info', event: 'shard-started', shardId });
    }
  }

  private pollerContext(startingPosition: 'TRIM_HORIZON' | 'LATEST'): PollerContext {
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

async function listShards(
  kinesis: KinesisClient,
  sdk: typeof import('@aws-sdk/client-kinesis'),
  streamName: string,
): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      new sdk.ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

function waitingStats(shardId: string, checkpoint: string | undefined): ShardStats {
  return {
    shardId,
    state: 'waiting-for-parent',
    checkpoint,
    lagMs: 0,
    ...emptyShardCounters(),
  };
}
