// The mapping runner with the real processor bundle on kinesalite and dynalite: it loads, writes, keeps up.

import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt } from '../../helpers/cli.js';
import { createEventTable, type DynaliteHandle, scanAll, startDynalite } from '../../helpers/dynalite.js';
import {
  createStream,
  HANDLERS,
  type KinesisHandle,
  mapping,
  put,
  sleep,
  startKinesisEmulator,
  type Workspace,
  workspace,
} from '../../helpers/mapping-harness.js';

/**
 * The real processor bundle (dist/processor/index.mjs, built by `npm run build`) run by the
 * runner against kinesalite and dynalite: proves the bundle loads in place with its external
 * @aws-sdk/* resolved from the project's node_modules, and measures end-to-end latency.
 */

const BUNDLE = resolve(HANDLERS, '..', '..', '..', 'dist', 'processor', 'index.mjs');

let emulator: KinesisHandle;
let dynamo: DynaliteHandle;
let ws: Workspace;

beforeAll(async () => {
  emulator = await startKinesisEmulator();
  dynamo = await startDynalite();
  ws = await workspace();
});
afterAll(async () => {
  await ws?.cleanup();
  await dynamo?.close();
  await emulator?.close();
});

function tweet(i: number): string {
  return JSON.stringify({
    v: 1,
    id: String(1_000_000 + i),
    text: `tweet ${i} 🐦`,
    createdAt: new Date().toISOString(),
    lang: 'en',
    author: { id: String(100 + (i % 20)), username: `user${i % 20}`, name: `User ${i % 20}` },
    hashtags: [],
    mentions: [],
    source: 'synthetic',
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe('mapping runner with the real processor bundle', () => {
  beforeAll(() => requireBuilt(BUNDLE));
  it('writes every record to the table at 500 records/s with low end-to-end latency', async () => {
    // Prepare
    const { kinesis } = emulator;
    const stream = await createStream(kinesis, 2);
    const tableName = await createEventTable(dynamo);
    const runner = ws.runner({
      kinesis,
      ...stream,
      idlePollMs: 100,
      mapping: mapping({ batchSize: 100, functionResponseTypes: ['ReportBatchItemFailures'], maximumRetryAttempts: 3 }),
      fn: {
        functionName: 'runner-test-EventProcessor',
        bundlePath: BUNDLE,
        environment: {
          TABLE_NAME: tableName,
          RETENTION_DAYS: '7',
          LOG_LEVEL: 'info',
          DYNAMODB_ENDPOINT: dynamo.endpoint,
        },
        timeoutSeconds: 10,
        memoryMb: 256,
        region: 'us-east-1',
      },
    });
    await runner.start();

    // Act: 1500 records over 3 s, 50 every 100 ms, spread over both shards by partition key.
    const total = 1_500;
    for (let sent = 0; sent < total; sent += 50) {
      const tick = Date.now();
      await put(
        kinesis,
        stream.streamName,
        Array.from({ length: 50 }, (_, k) => ({
          data: tweet(sent + k),
          partitionKey: String(100 + ((sent + k) % 20)),
        })),
      );
      await sleep(Math.max(0, 100 - (Date.now() - tick)));
    }
    let scanned: Record<string, unknown>[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      scanned = await scanAll(dynamo.documents, tableName);
      if (scanned.length >= total) break;
      await sleep(200);
    }

    // Assess
    expect(scanned.filter((item) => item.kind === 'tweet')).toHaveLength(total);
    const latencies = scanned
      .map((item) => Date.parse(String(item.processedAt)) - Date.parse(String(item.arrivedAt)))
      .sort((a, b) => a - b);
    const figures = {
      records: total,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1),
    };
    console.log(`mapping runner arrival→handler latency ${JSON.stringify(figures)}`);
    // Loose bounds: the machine is shared; the figures above are what to read.
    expect(figures.p50Ms).toBeLessThan(1_500);
    expect(figures.p99Ms).toBeLessThan(4_000);
    expect(runner.stats().shards.every((shard) => shard.functionErrors === 0)).toBe(true);
    expect(ws.functionLines.some((line) => line.includes('"msg":"batch"'))).toBe(true);
  });
});
