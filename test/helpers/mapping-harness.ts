// Mapping runner tests' harness: a kinesalite with a client, record and settings factories, fixture hooks.

/** The kinesalite itself comes from the shared test/helpers/kinesalite.ts. */

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeStreamSummaryCommand, type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  createMappingRunner,
  type FunctionConfig,
  type MappingRunner,
  type MappingRunnerOptions,
  type MappingSettings,
  type RunnerLogEntry,
} from '../../src/local/mapping/runner.js';
import { createStream as createKinesaliteStream, kinesisClient, startKinesalite } from './kinesalite.js';

export const HANDLERS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'handlers');

export interface KinesisHandle {
  kinesis: KinesisClient;
  close(): Promise<void>;
}

/** A kinesalite for one test file, with a client that retries as the SDK does by default (3 attempts). */
export async function startKinesisEmulator(): Promise<KinesisHandle> {
  const server = await startKinesalite();
  const kinesis = await kinesisClient(server.endpoint, 3);
  return {
    kinesis,
    async close() {
      kinesis.destroy();
      await server.close();
    },
  };
}

let streamCounter = 0;

export async function createStream(
  kinesis: KinesisClient,
  shardCount = 1,
): Promise<{ streamName: string; streamArn: string }> {
  const streamName = `runner-${process.pid}-${++streamCounter}`;
  await createKinesaliteStream(kinesis, streamName, shardCount);
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return { streamName, streamArn: summary.StreamDescriptionSummary?.StreamARN ?? '' };
}

export interface TestRecord {
  data: string;
  partitionKey?: string;
  /** Puts the record on this shard index (of shardCount) through ExplicitHashKey. */
  shard?: number;
}

/** Puts records in order (one PutRecords call keeps order per shard); returns their sequence numbers. */
export async function put(
  kinesis: KinesisClient,
  streamName: string,
  records: TestRecord[],
  shardCount = 1,
): Promise<string[]> {
  const span = 2n ** 128n / BigInt(shardCount);
  const response = await kinesis.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: records.map((record) => ({
        Data: Buffer.from(record.data),
        PartitionKey: record.partitionKey ?? 'pk',
        ExplicitHashKey: record.shard === undefined ? undefined : String(span * BigInt(record.shard) + 1n),
      })),
    }),
  );
  if (response.FailedRecordCount) throw new Error('PutRecords failed');
  return (response.Records ?? []).map((record) => record.SequenceNumber ?? '');
}

/** n records whose data is `${prefix}${i}` (i from 0). */
export function records(n: number, prefix = 'r', extra: Omit<TestRecord, 'data'> = {}): TestRecord[] {
  return Array.from({ length: n }, (_, i) => ({ data: `${prefix}${i}`, ...extra }));
}

export function mapping(overrides: Partial<MappingSettings> = {}): MappingSettings {
  return {
    batchSize: 100,
    maximumBatchingWindowInSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: -1,
    maximumRecordAgeInSeconds: -1,
    functionResponseTypes: [],
    ...overrides,
  };
}

export function fn(
  handlerFile: string,
  environment: Record<string, string> = {},
  overrides: Partial<FunctionConfig> = {},
): FunctionConfig {
  return {
    functionName: 'test-processor',
    bundlePath: join(HANDLERS, handlerFile),
    environment,
    timeoutSeconds: 2,
    memoryMb: 128,
    region: 'us-east-1',
    ...overrides,
  };
}

export interface Invocation {
  requestId: string;
  pid: number;
  shardId: string;
  sequenceNumbers: string[];
  data: string[];
  at: number;
  [key: string]: unknown;
}

export function readLines<T = Invocation>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export async function waitFor<T>(
  probe: () => T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export interface Workspace {
  dir: string;
  stateDir: string;
  recordFile: string;
  logs: RunnerLogEntry[];
  functionLines: string[];
  runners: MappingRunner[];
  /** A runner with test defaults (fast polling, logs captured), stopped by cleanup(). */
  runner(
    options: Partial<MappingRunnerOptions> & Pick<MappingRunnerOptions, 'kinesis' | 'streamName' | 'streamArn' | 'fn'>,
  ): MappingRunner;
  cleanup(): Promise<void>;
}

export async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'streamproc-runner-'));
  const ws: Workspace = {
    dir,
    stateDir: join(dir, 'state'),
    recordFile: join(dir, 'invocations.jsonl'),
    logs: [],
    functionLines: [],
    runners: [],
    runner(options) {
      const runner = createMappingRunner({
        mapping: mapping(),
        stateDir: ws.stateDir,
        idlePollMs: 20,
        log: (entry) => ws.logs.push(entry),
        functionLog: (line) => ws.functionLines.push(line),
        ...options,
      });
      ws.runners.push(runner);
      return runner;
    },
    async cleanup() {
      await Promise.all(ws.runners.map((runner) => runner.stop({ graceMs: 0 })));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return ws;
}

/**
 * The hooks every runner test file shares: one kinesalite for the file, a fresh workspace (state
 * directory, invocation files) for each test, both cleaned up afterwards.
 */
export function useRunnerFixtures(): { readonly emulator: KinesisHandle; readonly ws: Workspace } {
  let emulator: KinesisHandle | undefined;
  let ws: Workspace | undefined;
  beforeAll(async () => {
    emulator = await startKinesisEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });
  beforeEach(async () => {
    ws = await workspace();
  });
  afterEach(async () => {
    await ws?.cleanup();
  });
  return {
    get emulator() {
      return emulator as KinesisHandle;
    },
    get ws() {
      return ws as Workspace;
    },
  };
}
