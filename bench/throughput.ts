/**
 * Throughput bench: `npx tsx bench/throughput.ts` (needs a built CLI for the last case: `npm run build`).
 *
 * 50,000 records are put as fast as possible (PutRecords of 500, 4 calls in flight) while the
 * mapping runs; the figure is the time from the first put to the last record processed:
 * 1. the mapping runner (in this process) with a function taking 50 ms per batch, BatchSize 100,
 *    for 1 and 4 shards × ParallelizationFactor 1 and 4, against kinesalite in a child process:
 *    records/s, p99 arrival → batch done, max RSS of the runner plus its function workers;
 * 2. the built-in processor in the engine (`streamproc deploy`, BatchSize 100), for 1 and 4 shards ×
 *    ParallelizationFactor 1 and 4:
 *    time until every record is an item in the table (the mapping reports all 50,000 written,
 *    then a Scan counts them), p99 arrival → processedAt, max RSS of the engine and its workers.
 * BENCH_RECORDS changes the 50,000; BENCH_PROCESSOR_PARAMETERS (Name=Value,…) adds template
 * parameters to the processor's deploy (e.g. ParallelizationFactor=4 or BatchSize=1000);
 * BENCH_THROUGHPUT_ONLY=processor runs only the built-in processor at 1 shard, ParallelizationFactor 1
 * (unless BENCH_PROCESSOR_PARAMETERS says otherwise), printing one JSON line.
 * Goals (issue #13): ≥ 3,000 records/s end to end with the built-in processor; ParallelizationFactor
 * 4 at least 3× ParallelizationFactor 1 with a 50 ms handler. Prints one JSON line, then a summary.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { encodeTweetEvent, partitionKeyOf } from '../lambda/contract/tweet-event.js';
import { callRoute } from '../src/local/engine/control-client.js';
import type { EngineState } from '../src/local/engine/state.js';
import { createMappingRunner, type MappingStats } from '../src/local/mapping/runner.js';
import { cliEnv, runCli } from '../test/helpers/cli.js';
import { localDynamoClient } from '../test/helpers/dynalite.js';
import { createStream, kinesisClient } from '../test/helpers/kinesalite.js';
import { tweetEvent } from '../test/helpers/records.js';
import { startChildServer, stopChildServers } from './lib/child-server.js';
import { childPids, rssKb } from './lib/process-stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 50_000);
const PUT_BATCH = 500;
const PUTS_IN_FLIGHT = 4;
const HANDLER_MS = 50;
const BATCH_SIZE = 100;
const USERS = 1_000;
/** Template parameters for the built-in processor's deploy, e.g. BENCH_PROCESSOR_PARAMETERS=ParallelizationFactor=4 (default: none). */
const PROCESSOR_PARAMETERS = (process.env.BENCH_PROCESSOR_PARAMETERS ?? '').split(',').filter(Boolean);
const here = dirname(fileURLToPath(import.meta.url));
const tempRoots: string[] = [];
const pidsToKill = new Set<number>();

/** Samples the RSS of `pid` plus its children (except `exclude`) every 250 ms; stop() returns the max in MB. */
function rssSampler(pid: number, exclude: ReadonlySet<number> = new Set()) {
  let maxKb = 0;
  const sample = () => {
    const kids = childPids(pid).filter((child) => !exclude.has(child));
    maxKb = Math.max(maxKb, rssKb(pid) + kids.reduce((sum, child) => sum + rssKb(child), 0));
  };
  const timer = setInterval(sample, 250);
  sample();
  return {
    stop(): number {
      clearInterval(timer);
      sample();
      return Math.round(maxKb / 1024);
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Puts `count` records from `make(i)` as fast as possible: PUT_BATCH per call, PUTS_IN_FLIGHT calls at once. */
async function putAll(
  kinesis: KinesisClient,
  streamName: string,
  make: (i: number) => { Data: Uint8Array; PartitionKey: string },
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < RECORDS) {
      const from = next;
      next = Math.min(RECORDS, next + PUT_BATCH);
      let records = Array.from({ length: next - from }, (_, k) => make(from + k));
      for (let attempt = 0; records.length > 0; attempt++) {
        if (attempt > 20) throw new Error('PutRecords kept failing');
        const result = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
        records = records.filter((_, i) => result.Records?.[i]?.ErrorCode);
      }
    }
  };
  await Promise.all(Array.from({ length: PUTS_IN_FLIGHT }, worker));
}

function processed(stats: MappingStats): number {
  return stats.shards.reduce((sum, shard) => sum + shard.records, 0);
}

interface Case {
  shards: number;
  parallelizationFactor: number;
  seconds: number;
  /** When the last PutRecords was acknowledged: the floor under `seconds`. */
  putSeconds: number;
  recordsPerSecond: number;
  p99Ms: number;
  maxRssMb: number;
  invocations: number;
}

async function runnerCase(endpoint: string, shards: number, parallelizationFactor: number): Promise<Case> {
  const root = await mkdtemp(join(tmpdir(), 'streamproc-bench-throughput-'));
  tempRoots.push(root);
  const kinesis = await kinesisClient(endpoint, 3);
  const streamName = `throughput-${shards}-${parallelizationFactor}-${Date.now()}`;
  await createStream(kinesis, streamName, shards);
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const latencyFile = join(root, 'latencies.txt');
  const runner = createMappingRunner({
    kinesis,
    streamName,
    streamArn: summary.StreamDescriptionSummary?.StreamARN ?? '',
    stateDir: join(root, 'state'),
    mapping: {
      batchSize: BATCH_SIZE,
      maximumBatchingWindowInSeconds: 0,
      startingPosition: 'TRIM_HORIZON',
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: 2,
      maximumRecordAgeInSeconds: -1,
      functionResponseTypes: [],
      parallelizationFactor,
    },
    fn: {
      functionName: 'bench-sleep',
      bundlePath: join(here, 'lib', 'sleep-handler.mjs'),
      environment: { DELAY_MS: String(HANDLER_MS), LATENCY_FILE: latencyFile },
      timeoutSeconds: 30,
      memoryMb: 256,
      region: 'us-east-1',
    },
  });
  // Children already running (the emulator) are not the runner's; the function workers start with it.
  const emulatorPids = new Set(childPids(process.pid));
  await runner.start();
  const rss = rssSampler(process.pid, emulatorPids);
  const started = performance.now();
  let putSeconds = Number.NaN;
  const putting = putAll(kinesis, streamName, (i) => ({
    Data: Buffer.from(JSON.stringify({ n: i, text: `bench record ${i} with a little padding to look like a tweet` })),
    PartitionKey: `user-${i % USERS}`,
  })).then(() => {
    putSeconds = (performance.now() - started) / 1000;
  });
  while (processed(runner.stats()) < RECORDS) await sleep(20);
  const seconds = (performance.now() - started) / 1000;
  await putting;
  const maxRssMb = rss.stop();
  const invocations = runner.stats().shards.reduce((sum, shard) => sum + shard.invocations, 0);
  await runner.stop();
  kinesis.destroy();
  const latencies = readFileSync(latencyFile, 'utf8')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
  return {
    shards,
    parallelizationFactor,
    seconds: Math.round(seconds * 10) / 10,
    putSeconds: Math.round(putSeconds * 10) / 10,
    recordsPerSecond: Math.round(RECORDS / seconds),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxRssMb,
    invocations,
  };
}

async function processorCase(
  shards = 1,
  factor = 1,
): Promise<{
  shards: number;
  parallelizationFactor: number;
  seconds: number;
  putSeconds: number;
  recordsPerSecond: number;
  p99Ms: number;
  items: number;
  maxRssMb: number;
}> {
  const root = await mkdtemp(join(tmpdir(), 'streamproc-bench-throughput-engine-'));
  tempRoots.push(root);
  const dirs = { dataDir: join(root, 'data'), configDir: join(root, 'config') };
  const env = cliEnv(dirs, { STREAMPROC_STACK: 'throughput' });
  const parameters = [`ShardCount=${shards}`, `ParallelizationFactor=${factor}`, ...PROCESSOR_PARAMETERS];
  const deployed = await runCli(['deploy', '--json', ...parameters.flatMap((p) => ['--parameter', p])], {
    env,
    timeoutMs: 120_000,
  });
  if (deployed.code !== 0) throw new Error(`deploy failed: ${deployed.stderr}`);
  const json = JSON.parse(deployed.stdout);
  const enginePid: number = json.details.engine.pid;
  pidsToKill.add(enginePid);
  const stateFile = join(dirs.dataDir, 'stacks', 'throughput', 'engine.json');
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as EngineState;
  const kinesis = await kinesisClient(json.details.endpoints.kinesis, 3);
  const dynamodb = localDynamoClient(json.details.endpoints.dynamodb, 3);
  const streamName = json.outputs.StreamName as string;
  const tableName = json.outputs.TableName as string;
  const run = String(Date.now() % 1_000_000_000).padStart(9, '0');
  const rss = rssSampler(enginePid);
  const started = performance.now();
  let putSeconds = Number.NaN;
  const putting = putAll(kinesis, streamName, (i) => {
    const event = tweetEvent({
      id: `${run}${String(i).padStart(7, '0')}`,
      text: `bench tweet ${i} about #serverless stream processing with a little padding to look real`,
      createdAt: new Date().toISOString(),
      author: { id: String(10_000 + (i % USERS)), username: `bench_user_${i % USERS}`, name: 'Bench User' },
    });
    return { Data: encodeTweetEvent(event), PartitionKey: partitionKeyOf(event) };
  }).then(() => {
    putSeconds = (performance.now() - started) / 1000;
  });
  for (;;) {
    const status = await callRoute(state.control, 'GET /status', undefined);
    if (status.mapping && processed(status.mapping as MappingStats) >= RECORDS) break;
    await sleep(50);
  }
  const seconds = (performance.now() - started) / 1000;
  await putting;
  const maxRssMb = rss.stop();
  const latencies: number[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: 'arrivedAt, processedAt',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const arrived = Date.parse(item.arrivedAt?.S ?? '');
      const done = Date.parse(item.processedAt?.S ?? '');
      if (Number.isFinite(arrived) && Number.isFinite(done)) latencies.push(done - arrived);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  latencies.sort((a, b) => a - b);
  kinesis.destroy();
  dynamodb.destroy();
  await runCli(['teardown', '--yes'], { env, timeoutMs: 120_000 });
  pidsToKill.delete(enginePid);
  return {
    shards,
    parallelizationFactor: factor,
    seconds: Math.round(seconds * 10) / 10,
    putSeconds: Math.round(putSeconds * 10) / 10,
    recordsPerSecond: Math.round(RECORDS / seconds),
    p99Ms: Math.round(percentile(latencies, 99)),
    items: latencies.length,
    maxRssMb,
  };
}

async function main() {
  if (process.env.BENCH_THROUGHPUT_ONLY === 'processor') {
    const processor = await processorCase();
    // BENCH_PROCESSOR_PARAMETERS come after the row's own and win: they are printed beside it.
    const parameters = PROCESSOR_PARAMETERS;
    process.stdout.write(
      `${JSON.stringify({ bench: 'throughput-processor', records: RECORDS, parameters, processor })}\n`,
    );
    return;
  }
  const emulator = await startChildServer('emulator-server.ts', ['kinesalite']);
  const cases: Case[] = [];
  for (const shards of [1, 4])
    for (const factor of [1, 4]) {
      const result = await runnerCase(emulator.endpoint, shards, factor);
      cases.push(result);
      process.stderr.write(`runner ${shards} shard(s), ParallelizationFactor ${factor}: ${JSON.stringify(result)}\n`);
    }
  stopChildServers();
  const processor: Awaited<ReturnType<typeof processorCase>>[] = [];
  for (const shards of [1, 4])
    for (const factor of [1, 4]) {
      const result = await processorCase(shards, factor);
      processor.push(result);
      process.stderr.write(
        `built-in processor, ${shards} shard(s), ParallelizationFactor ${factor}: ${JSON.stringify(result)}\n`,
      );
    }
  const find = (shards: number, factor: number) =>
    cases.find((c) => c.shards === shards && c.parallelizationFactor === factor) as Case;
  const speedup = Math.round((find(1, 4).recordsPerSecond / find(1, 1).recordsPerSecond) * 100) / 100;
  const result = {
    bench: 'throughput',
    records: RECORDS,
    handlerMs: HANDLER_MS,
    batchSize: BATCH_SIZE,
    runner: cases,
    processor,
    parallelizationSpeedup1Shard: speedup,
    node: process.versions.node,
    report: [
      ...cases.map((c) => ({
        figure: `runner, 50 ms handler, ${c.shards} shard${c.shards > 1 ? 's' : ''}, ParallelizationFactor ${c.parallelizationFactor}: records/s (p99, max RSS)`,
        measured: `${c.recordsPerSecond}/s (puts done at ${c.putSeconds} s of ${c.seconds} s; p99 ${c.p99Ms} ms, ${c.maxRssMb} MB)`,
        goal: '—',
        met: null,
      })),
      {
        figure: 'ParallelizationFactor 4 vs 1, 1 shard, 50 ms handler',
        measured: `${speedup}×`,
        goal: '≥ 3×',
        met: speedup >= 3,
      },
      ...processor.map((p) => ({
        figure: `built-in processor, ${p.shards} shard${p.shards > 1 ? 's' : ''}, ParallelizationFactor ${p.parallelizationFactor}: ${RECORDS} records put → in the table (p99, max RSS)`,
        measured: `${p.recordsPerSecond}/s (puts done at ${p.putSeconds} s of ${p.seconds} s; p99 ${p.p99Ms} ms, ${p.maxRssMb} MB)`,
        goal: '≥ 3,000/s',
        met: p.recordsPerSecond >= 3000 && p.items === RECORDS,
      })),
    ],
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(
    [
      '',
      ...cases.map(
        (c) =>
          `runner, ${c.shards} shard(s), ParallelizationFactor ${c.parallelizationFactor}: ${RECORDS} records in ${c.seconds} s (puts done at ${c.putSeconds} s) = ${c.recordsPerSecond}/s, p99 ${c.p99Ms} ms, ${c.invocations} invocations, max RSS ${c.maxRssMb} MB`,
      ),
      `ParallelizationFactor 4 vs 1 on one shard: ${speedup}× (goal ≥ 3×)`,
      ...processor.map(
        (p) =>
          `built-in processor, ${p.shards} shard(s), ParallelizationFactor ${p.parallelizationFactor}: ${p.items} items in ${p.seconds} s (puts done at ${p.putSeconds} s) = ${p.recordsPerSecond}/s (goal ≥ 3,000/s), p99 ${p.p99Ms} ms, engine max RSS ${p.maxRssMb} MB`,
      ),
      '',
    ].join('\n'),
  );
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exitCode = 1;
} finally {
  stopChildServers();
  for (const pid of pidsToKill) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  for (const root of tempRoots) await rm(root, { recursive: true, force: true });
}
