/**
 * Shared by the reliability tests: a stack deployed by the built CLI in temporary directories,
 * clients on its endpoints, engines stopped by pid (also after a failure), exact table counts,
 * figures from the engine log, and the one-line JSON + human line every test prints.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { expect } from 'vitest';
import { callEngine } from '../../src/local/engine/control-client.js';
import type { EngineStatus } from '../../src/local/engine/protocol.js';
import type { EngineState } from '../../src/local/engine/state.js';
import type { MappingStats } from '../../src/local/mapping/runner.js';
import { runCli, tempDirs } from './cli.js';
import { localDynamoClient } from './dynalite.js';
import { killEngines } from './engines.js';
import { kinesisClient, readShards } from './kinesalite.js';
import { sleep } from './wait.js';

export type Dirs = Awaited<ReturnType<typeof tempDirs>>;

/** One stack of the local target, driven through `node bin/run.js`. */
export class Rig {
  private constructor(
    readonly dirs: Dirs,
    readonly stack: string,
  ) {}

  static async create(stack: string): Promise<Rig> {
    return new Rig(await tempDirs(`streamproc-reliability-${stack}-`), stack);
  }

  get stackDir(): string {
    return join(this.dirs.dataDir, 'stacks', this.stack);
  }
  get logFile(): string {
    return join(this.stackDir, 'engine.log');
  }
  get failureFile(): string {
    return join(this.stackDir, 'mapping', 'failures.jsonl');
  }
  get checkpointFile(): string {
    return join(this.stackDir, 'mapping', 'EventSourceMapping', 'checkpoints.json');
  }
  get streamName(): string {
    return `${this.stack}-EventStream`;
  }
  get tableName(): string {
    return `${this.stack}-EventData`;
  }

  /** `streamproc deploy --json`; `env` is added to the CLI's environment (and so the engine's). */
  async deploy(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<DeployJson> {
    const result = await runCli(['deploy', '--json', '--stack', this.stack, ...args], {
      env: this.dirs.env(env),
      timeoutMs: 120_000,
    });
    expect(result.code, `deploy failed: ${result.stderr}${result.stdout}`).toBe(0);
    return JSON.parse(result.stdout) as DeployJson;
  }

  /** `streamproc teardown` (--keep-data stops the engine cleanly and keeps everything). */
  async teardown(keepData = false): Promise<void> {
    const args = ['teardown', '--stack', this.stack, '--confirm', this.stack, '--json'];
    const result = await runCli(keepData ? [...args, '--keep-data'] : args, { env: this.dirs.env() });
    expect(result.code, `teardown failed: ${result.stderr}${result.stdout}`).toBe(0);
  }

  async state(): Promise<EngineState> {
    return JSON.parse(await readFile(join(this.stackDir, 'engine.json'), 'utf8')) as EngineState;
  }

  async status(): Promise<EngineStatus & { mapping: MappingStats }> {
    const state = await this.state();
    return callEngine(state.control, 'GET', '/status', undefined, 10_000);
  }

  /** A client on the engine's Kinesis (or `endpoint`, a proxy in front of it), with the SDK's own 3 attempts. */
  async kinesis(endpoint?: string): Promise<KinesisClient> {
    return kinesisClient(endpoint ?? (await this.state()).endpoints.kinesis, 3, 16);
  }

  async dynamodb(): Promise<DynamoDBClient> {
    return localDynamoClient((await this.state()).endpoints.dynamodb, 3);
  }

  /** SIGKILLs every engine (and only engines) recorded under this rig's data dir. */
  killEngines(): Promise<number[]> {
    return killEngines(this.dirs.dataDir);
  }

  async cleanup(): Promise<void> {
    await this.killEngines().catch(() => undefined);
    await this.dirs.cleanup();
  }

  /** The processor's `batch` log lines (one per invocation), with the engine pid that ran them. */
  async batchLines(): Promise<BatchLine[]> {
    return batchLines(this.logFile);
  }

  /**
   * Samples the mapping every `everyMs` while a run goes on: the highest lag seen, and the
   * longest time no shard's checkpoint moved while records waited (a stall).
   */
  sampleMapping(everyMs = 500): { stop(): Promise<{ maxLagMs: number; longestStallMs: number; samples: number }> } {
    let maxLagMs = 0;
    let longestStallMs = 0;
    let samples = 0;
    let lastKey = '';
    let movedAt = Date.now();
    let running = true;
    const loop = (async () => {
      while (running) {
        try {
          const { mapping } = await this.status();
          samples += 1;
          const lag = Math.max(0, ...mapping.shards.map((s) => s.lagMs));
          maxLagMs = Math.max(maxLagMs, lag);
          const key = mapping.shards.map((s) => s.checkpoint).join();
          if (key !== lastKey || lag === 0) {
            lastKey = key;
            movedAt = Date.now();
          }
          longestStallMs = Math.max(longestStallMs, Date.now() - movedAt);
        } catch {
          // The engine is restarting: not a stall of the mapping.
          movedAt = Date.now();
        }
        await sleep(everyMs);
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return { maxLagMs, longestStallMs, samples };
      },
    };
  }

  /** Waits until every shard's lag is 0 and nothing moved for `quietMs`. */
  async waitForIdle(timeoutMs: number, quietMs = 1_500): Promise<MappingStats> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let since = Date.now();
    while (Date.now() < deadline) {
      const { mapping } = await this.status();
      const key = JSON.stringify(mapping.shards.map((s) => [s.checkpoint, s.records, s.invocations]));
      const caughtUp = mapping.shards.every((s) => s.lagMs === 0 && s.state !== 'invoking');
      if (key !== last) {
        last = key;
        since = Date.now();
      } else if (caughtUp && Date.now() - since >= quietMs) return mapping;
      await sleep(250);
    }
    throw new Error(`the mapping did not become idle within ${timeoutMs} ms`);
  }
}

export interface DeployJson {
  status: string;
  details: { engine: { pid: number }; endpoints: { kinesis: string; dynamodb: string }; failureFile: string };
}

export interface BatchLine {
  pid: number;
  records: number;
  written: number;
  rejected: number;
  failed: number;
  duplicates: number;
  requests: number;
  retries: number;
}

export async function batchLines(logFile: string): Promise<BatchLine[]> {
  const text = await readFile(logFile, 'utf8');
  const out: BatchLine[] = [];
  let pid = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; pid?: number; line?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a line torn by kill -9
    }
    if (entry.msg === 'engine starting') pid = entry.pid ?? 0;
    if (entry.msg !== 'function' || !entry.line?.includes('"msg":"batch"')) continue;
    try {
      // Lambda's console format: `<time>\t<request id>\tINFO\t<the handler's JSON>`.
      out.push({ pid, ...(JSON.parse(entry.line.slice(entry.line.indexOf('{'))) as Omit<BatchLine, 'pid'>) });
    } catch {
      // Not the processor's JSON.
    }
  }
  return out;
}

export function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}

export interface TableContents {
  tweetIds: string[];
  rejected: { seq: string; reason: string; shardId: string; rawBytes: number }[];
  scanMs: number;
}

/** Every item of the table (a parallel Scan: fine in a test), reduced to what the tests count. */
export async function scanTable(dynamodb: DynamoDBClient, table: string): Promise<TableContents> {
  const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const started = Date.now();
  const segments = 4;
  const tweetIds: string[] = [];
  const rejected: TableContents['rejected'] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, never> | undefined;
      do {
        const page = await dynamodb.send(
          new ScanCommand({
            TableName: table,
            Segment: segment,
            TotalSegments: segments,
            ProjectionExpression: '#k, tweetId, seq, reason, shardId, rawBytes',
            ExpressionAttributeNames: { '#k': 'kind' },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.kind?.S === 'tweet') tweetIds.push(item.tweetId?.S ?? '');
          else
            rejected.push({
              seq: item.seq?.S ?? '',
              reason: item.reason?.S ?? '',
              shardId: item.shardId?.S ?? '',
              rawBytes: Number(item.rawBytes?.N ?? 0),
            });
        }
        start = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (start);
    }),
  );
  return { tweetIds, rejected, scanMs: Date.now() - started };
}

/** Items in the table, counted by DynamoDB (Scan with Select COUNT). */
export async function countItems(dynamodb: DynamoDBClient, table: string): Promise<number> {
  const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return count;
}

/** The number of each value that occurs more than once. */
export function duplicates(values: string[]): number {
  return values.length - new Set(values).size;
}

export interface ShardEnd {
  /** The last sequence number (what a caught-up mapping has checkpointed). */
  last?: string;
  /** Records in the shard. */
  count: number;
}

/** Reads every shard to its end. */
export async function shardEnds(kinesis: KinesisClient, stream: string): Promise<Record<string, ShardEnd>> {
  const ends: Record<string, ShardEnd> = {};
  for (const [id, records] of await readShards(kinesis, stream))
    ends[id] = { last: records.at(-1)?.sequenceNumber, count: records.length };
  return ends;
}

/** Prints a test's figures: one JSON line, then one line for people. */
export function report(test: string, figures: Record<string, unknown>, human: string): void {
  console.log(JSON.stringify({ reliability: test, ...figures }));
  console.log(`reliability ${test}: ${human}`);
}
