/**
 * Local engine bench: `npx tsx bench/engine.ts` (needs a built CLI: `npm run build`).
 *
 * 1. deploy-to-ready: `streamproc deploy` on a fresh data directory until it exits (the engine
 *    answers and the mapping runs), median of 3 cold deploys (goal ≤ 2 s);
 * 2. end-to-end latency at 500 records/s for 30 s: from the PutRecords acknowledgement to the item
 *    being readable (BatchGetItem on the derived key, polled continuously), p50/p99 (goals
 *    ≤ 300 ms / ≤ 1 s), and loss (records never readable within 15 s after the load stops);
 * 3. the engine's RSS (VmRSS of its process, and of its function worker processes) under load.
 * Prints one JSON line {"bench":"engine",…}, then a human summary. Bounded to ~1.5 min.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { tweetSortKey, userPartitionKey } from '../lambda/contract/table-layout.js';
import { encodeTweetEvent, partitionKeyOf, type TweetEvent } from '../lambda/contract/tweet-event.js';
import { cliEnv, runCli } from '../test/helpers/cli.js';
import { localDynamoClient } from '../test/helpers/dynalite.js';
import { kinesisClient } from '../test/helpers/kinesalite.js';
import { tweetEvent } from '../test/helpers/records.js';
import { childPids, rssKb } from './lib/process-stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COLD_DEPLOYS = 3;
const RATE = 500;
const DURATION_S = 30;
const TICK_MS = 100;
const DRAIN_MS = 15_000;
const STACK = 'bench';

const pidsToKill = new Set<number>();
const tempRoots: string[] = [];

function cli(args: string[], dataDir: string, configDir: string) {
  return runCli(args, {
    env: cliEnv({ dataDir, configDir }, { STREAMPROC_STACK: STACK }),
    timeoutMs: 120_000,
  });
}

async function freshDirs() {
  const root = await mkdtemp(join(tmpdir(), 'streamproc-bench-engine-'));
  tempRoots.push(root);
  return { dataDir: join(root, 'data'), configDir: join(root, 'config') };
}

async function deploy(dirs: { dataDir: string; configDir: string }) {
  const started = performance.now();
  const result = await cli(['deploy', '--json'], dirs.dataDir, dirs.configDir);
  const ms = performance.now() - started;
  if (result.code !== 0) throw new Error(`deploy failed: ${result.stderr}`);
  const json = JSON.parse(result.stdout);
  pidsToKill.add(json.details.engine.pid);
  return { ms, json };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

/** Tweet `n` of this run: its id says which, so that its item's key is known before it is written. */
function tweet(n: number, run: string): TweetEvent {
  const user = n % 200;
  return tweetEvent({
    id: `${run}${String(n).padStart(7, '0')}`,
    text: `bench tweet ${n} about #serverless stream processing with a little padding to look real`,
    createdAt: new Date().toISOString(),
    author: { id: String(10_000 + user), username: `bench_user_${user}`, name: `Bench User ${user}` },
  });
}

async function main() {
  // 1. Cold deploys.
  const coldMs: number[] = [];
  for (let i = 0; i < COLD_DEPLOYS; i += 1) {
    const dirs = await freshDirs();
    const { ms, json } = await deploy(dirs);
    coldMs.push(ms);
    await cli(['teardown', '--yes'], dirs.dataDir, dirs.configDir);
    pidsToKill.delete(json.details.engine.pid);
  }
  const sortedCold = [...coldMs].sort((a, b) => a - b);

  // 2. Latency under load.
  const dirs = await freshDirs();
  const { json } = await deploy(dirs);
  const enginePid: number = json.details.engine.pid;
  const kinesis = await kinesisClient(json.details.endpoints.kinesis);
  const dynamodb = localDynamoClient(json.details.endpoints.dynamodb);
  const streamName = json.outputs.StreamName as string;
  const tableName = json.outputs.TableName as string;

  const run = String(Date.now() % 1_000_000_000).padStart(9, '0');
  const pending = new Map<string, number>(); // key → ack time
  const latencies: number[] = [];
  let sent = 0;
  let putErrors = 0;
  let producing = true;
  let rssMax = 0;
  let workersRssMax = 0;

  const reader = (async () => {
    const deadline = () => (producing ? Number.POSITIVE_INFINITY : drainUntil);
    let drainUntil = Number.POSITIVE_INFINITY;
    while (producing || (pending.size > 0 && Date.now() < deadline())) {
      if (!producing && drainUntil === Number.POSITIVE_INFINITY) drainUntil = Date.now() + DRAIN_MS;
      const keys = [...pending.keys()].slice(0, 300);
      if (keys.length === 0) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      for (let i = 0; i < keys.length; i += 100) {
        const chunk = keys.slice(i, i + 100).map((k) => {
          const [pk, sk] = k.split('|') as [string, string];
          return { pk: { S: pk }, sk: { S: sk } };
        });
        const result = await dynamodb.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: chunk, ProjectionExpression: 'pk, sk' } } }),
        );
        const now = performance.now();
        for (const item of result.Responses?.[tableName] ?? []) {
          const key = `${item.pk?.S}|${item.sk?.S}`;
          const ackedAt = pending.get(key);
          if (ackedAt !== undefined) {
            latencies.push(now - ackedAt);
            pending.delete(key);
          }
        }
      }
    }
  })();

  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssKb(enginePid));
    workersRssMax = Math.max(
      workersRssMax,
      childPids(enginePid).reduce((sum, pid) => sum + rssKb(pid), 0),
    );
  }, 1000);

  const perTick = (RATE * TICK_MS) / 1000;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let tick = 0; tick < (DURATION_S * 1000) / TICK_MS; tick += 1) {
    const events = Array.from({ length: perTick }, () => tweet(sent++, run));
    inFlight.push(
      kinesis
        .send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: events.map((e) => ({ Data: encodeTweetEvent(e), PartitionKey: partitionKeyOf(e) })),
          }),
        )
        .then((result) => {
          const ackedAt = performance.now();
          events.forEach((e, i) => {
            if (result.Records?.[i]?.ErrorCode) putErrors += 1;
            else pending.set(`${userPartitionKey(e.author.username)}|${tweetSortKey(e.id)}`, ackedAt);
          });
        })
        .catch(() => {
          putErrors += events.length;
        }),
    );
    const next = started + (tick + 1) * TICK_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await Promise.all(inFlight);
  const produceSeconds = (performance.now() - started) / 1000;
  producing = false;
  await reader;
  clearInterval(sampler);
  const rssEndKb = rssKb(enginePid);

  const lost = pending.size;
  const sorted = latencies.sort((a, b) => a - b);
  kinesis.destroy();
  dynamodb.destroy();
  await cli(['teardown', '--yes'], dirs.dataDir, dirs.configDir);
  pidsToKill.delete(enginePid);

  const result = {
    bench: 'engine',
    deployToReadyMs: { median: Math.round(percentile(sortedCold, 50)), runs: coldMs.map(Math.round), goal: 2000 },
    latency: {
      ratePerSecond: RATE,
      seconds: DURATION_S,
      achievedRatePerSecond: Math.round(sent / produceSeconds),
      records: sent,
      putErrors,
      readable: latencies.length,
      lost,
      p50Ms: Math.round(percentile(sorted, 50)),
      p90Ms: Math.round(percentile(sorted, 90)),
      p99Ms: Math.round(percentile(sorted, 99)),
      maxMs: Math.round(sorted.at(-1) ?? Number.NaN),
      goals: { p50Ms: 300, p99Ms: 1000, lost: 0 },
    },
    rss: {
      engineMaxMb: Math.round(rssMax / 1024),
      engineEndMb: Math.round(rssEndKb / 1024),
      functionWorkersMaxMb: Math.round(workersRssMax / 1024),
    },
    node: process.versions.node,
  };
  Object.assign(result, {
    report: [
      {
        figure: 'engine deploy → ready (median of cold deploys)',
        measured: `${result.deployToReadyMs.median} ms`,
        goal: '≤ 2,000 ms',
        met: result.deployToReadyMs.median <= 2000,
      },
      {
        figure: `end-to-end latency at ${RATE}/s, p50`,
        measured: `${result.latency.p50Ms} ms`,
        goal: '≤ 300 ms',
        met: result.latency.p50Ms <= 300,
      },
      {
        figure: `end-to-end latency at ${RATE}/s, p99`,
        measured: `${result.latency.p99Ms} ms`,
        goal: '≤ 1,000 ms',
        met: result.latency.p99Ms <= 1000,
      },
      { figure: 'records lost', measured: String(lost + putErrors), goal: '0', met: lost === 0 && putErrors === 0 },
      { figure: 'engine RSS (max)', measured: `${result.rss.engineMaxMb} MB`, goal: '—', met: null },
    ],
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const ok = (good: boolean) => (good ? 'ok' : 'MISSED');
  process.stdout.write(
    [
      '',
      `deploy to ready: median ${result.deployToReadyMs.median} ms over ${COLD_DEPLOYS} cold deploys (${coldMs.map((m) => Math.round(m)).join(', ')} ms) — goal ≤ 2000 ms: ${ok(result.deployToReadyMs.median <= 2000)}`,
      `latency at ${RATE} records/s for ${DURATION_S} s (${sent} records, achieved ${result.latency.achievedRatePerSecond}/s): p50 ${result.latency.p50Ms} ms (${ok(result.latency.p50Ms <= 300)}), p90 ${result.latency.p90Ms} ms, p99 ${result.latency.p99Ms} ms (${ok(result.latency.p99Ms <= 1000)}), max ${result.latency.maxMs} ms`,
      `loss: ${lost} never readable, ${putErrors} put errors (${ok(lost === 0 && putErrors === 0)})`,
      `engine RSS: max ${result.rss.engineMaxMb} MB, at end ${result.rss.engineEndMb} MB; function worker(s) max ${result.rss.functionWorkersMaxMb} MB`,
      '',
    ].join('\n'),
  );
}

async function cleanup() {
  for (const pid of pidsToKill) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  for (const root of tempRoots) await rm(root, { recursive: true, force: true });
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
