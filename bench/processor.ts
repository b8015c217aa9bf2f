/**
 * Processor throughput and CPU bench: `npx tsx bench/processor.ts`.
 *
 * Feeds the handler batches of ~1 KB tweets (100 and 1,000 records) and compares it with the
 * reference-style baseline (sequential 25-item BatchWriteItem through the DocumentClient), once
 * directly against dynalite and once through a proxy adding 10 ms per request (a stand-in for
 * the network to DynamoDB). dynalite and the proxy run in child processes, so the cpuUsage()
 * taken around each handler call is the handler's own CPU (including its HTTP client's). Prints one JSON
 * line, then a short summary. Figures only, no assertions.
 */
import { createDynamoDbClient } from '../lambda/processor/dynamodb-client.js';
import { createHandler } from '../lambda/processor/handler.js';
import type { KinesisStreamEvent, KinesisStreamRecord } from '../lambda/processor/types.js';
import { createEventTable, LOCAL_CREDENTIALS, localDynamoClient } from '../test/helpers/dynalite.js';
import { tweetEvent, tweetRecord } from '../test/helpers/records.js';
import { createBaselineHandler } from './lib/baseline-handler.js';
import { startChildServer, stopChildServers } from './lib/child-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BATCH_SIZES = [100, 1_000];
/** Records per (setting, handler, batch size) cell; enough for stable figures, small enough for ~1 min. */
const RECORDS_PER_CELL = 10_000;
const PROXY_DELAY_MS = 10;
/** Requests in flight for the processor; the handler's default (8) unless BENCH_CONCURRENCY says otherwise. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WORDS = 'stream lambda kinesis dynamo serverless 🚀 data realtime pipeline ツイート event shard'.split(' ');
let tweetNumber = 0;

/** A ~1 KB record: a long tweet with entities, as the X API v2 normaliser produces. */
function longTweetRecord(): KinesisStreamRecord {
  tweetNumber++;
  const words = Array.from({ length: 95 }, (_, i) => WORDS[(tweetNumber + i) % WORDS.length]);
  const event = tweetEvent({
    text: words.join(' ').slice(0, 700),
    createdAt: new Date().toISOString(),
    author: { id: String(10_000 + (tweetNumber % 500)), username: `user_${tweetNumber % 500}`, name: 'Bench User' },
    hashtags: ['serverless', 'streaming', 'aws'],
    mentions: ['awscloud', 'dynamodb'],
  });
  return tweetRecord(event, { arrivalSeconds: Date.now() / 1000 });
}

interface Cell {
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
}

async function measure(run: (event: KinesisStreamEvent) => Promise<unknown>, batchSize: number): Promise<Cell> {
  await run({ Records: Array.from({ length: 50 }, longTweetRecord) }); // warm up connections and JIT
  const batches = Array.from({ length: Math.ceil(RECORDS_PER_CELL / batchSize) }, () => ({
    Records: Array.from({ length: batchSize }, longTweetRecord),
  }));
  let cpu = 0;
  let wall = 0;
  for (const batch of batches) {
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    await run(batch);
    const used = process.cpuUsage(cpuStart);
    cpu += used.user + used.system;
    wall += performance.now() - wallStart;
  }
  const records = batches.length * batchSize;
  return { recordsPerSecond: Math.round(records / (wall / 1000)), cpuMicrosPerRecord: +(cpu / records).toFixed(1) };
}

async function main(): Promise<void> {
  const dynalite = await startChildServer('./emulator-server.ts', ['dynalite']);
  const proxy = await startChildServer('./delay-proxy.ts', [String(dynalite.port), String(PROXY_DELAY_MS)]);
  const settings = { direct: dynalite.endpoint, proxy10ms: proxy.endpoint };
  const setup = localDynamoClient(dynalite.endpoint);
  const figures: Record<string, Record<string, Cell>> = {};
  for (const [setting, endpoint] of Object.entries(settings)) {
    for (const batchSize of BATCH_SIZES) {
      const table = `bench-${setting}-${batchSize}`;
      await createEventTable({ client: setup }, table);
      const processor = createHandler({
        client: createDynamoDbClient({
          region: 'us-east-1',
          endpoint,
          credentials: () => LOCAL_CREDENTIALS,
        }),
        tableName: table,
        concurrency: CONCURRENCY,
        log: () => {},
      });
      const baseline = createBaselineHandler(endpoint, table);
      figures[`${setting}/${batchSize}`] = {
        baseline: await measure(baseline, batchSize),
        processor: await measure(processor, batchSize),
      };
    }
  }
  // The handler's own work (decode, validate, marshal, dedupe), without signing and HTTP: a client
  // double that accepts everything, so the HTTP client's share of the CPU figures above shows.
  const accepting = { send: async () => ({ $metadata: {}, UnprocessedItems: {} }) };
  const codeOnly = await measure(createHandler({ client: accepting, tableName: 'none', log: () => {} }), 1_000);
  const speedup = (key: string) => {
    const cell = figures[key] as Record<string, Cell>;
    return +((cell.processor?.recordsPerSecond ?? 0) / (cell.baseline?.recordsPerSecond ?? 1)).toFixed(2);
  };
  const keys = Object.keys(figures);
  const result = {
    bench: 'processor',
    recordBytes: Buffer.from(longTweetRecord().kinesis.data, 'base64').byteLength,
    proxyDelayMs: PROXY_DELAY_MS,
    concurrency: CONCURRENCY,
    figures,
    speedup: Object.fromEntries(keys.map((key) => [key, speedup(key)])),
    handlerCodeOnlyCpuMicrosPerRecord: codeOnly.cpuMicrosPerRecord,
    maxProcessorCpuMicrosPerRecord: Math.max(...keys.map((key) => figures[key]?.processor?.cpuMicrosPerRecord ?? 0)),
    goals: { proxySpeedup: 4, directSpeedup: 1, cpuMicrosPerRecord: 50 },
  };
  const proxyBest = Math.max(...keys.filter((k) => k.includes('proxy')).map(speedup));
  const directWorst = Math.min(...keys.filter((k) => !k.includes('proxy')).map(speedup));
  Object.assign(result, {
    report: [
      {
        figure: 'records/s vs original handler, 10 ms proxy (best batch size)',
        measured: `${proxyBest}×`,
        goal: '≥ 4×',
        met: proxyBest >= 4,
      },
      {
        figure: 'records/s vs original handler, dynalite direct (worst batch size)',
        measured: `${directWorst}×`,
        goal: '≥ 1×',
        met: directWorst >= 1,
      },
      {
        figure: 'handler CPU per record incl. signing + HTTP (worst)',
        measured: `${result.maxProcessorCpuMicrosPerRecord} µs`,
        goal: '< 50 µs',
        met: result.maxProcessorCpuMicrosPerRecord < 50,
      },
      {
        figure: 'handler CPU per record, item work only (no HTTP)',
        measured: `${codeOnly.cpuMicrosPerRecord} µs`,
        goal: '—',
        met: null,
      },
    ],
  });
  console.log(JSON.stringify(result));
  for (const key of keys) {
    const cell = figures[key] as Record<string, Cell>;
    console.log(
      `${key.padEnd(15)} processor ${String(cell.processor?.recordsPerSecond).padStart(6)} rec/s ` +
        `${String(cell.processor?.cpuMicrosPerRecord).padStart(5)} µs CPU/rec | baseline ` +
        `${String(cell.baseline?.recordsPerSecond).padStart(6)} rec/s ${String(cell.baseline?.cpuMicrosPerRecord).padStart(5)} µs CPU/rec | ` +
        `${speedup(key)}x`,
    );
  }
  console.log(`handler code alone (no signing, no HTTP): ${codeOnly.cpuMicrosPerRecord} µs CPU/rec`);
  setup.destroy();
}

try {
  await main();
} finally {
  stopChildServers();
}
