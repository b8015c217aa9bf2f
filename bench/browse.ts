/**
 * Browse bench: `npx tsx bench/browse.ts`.
 *
 * 1. Latency of what `browse --limit 20` does (DescribeTable + newest-20 through the ByTime index)
 *    against a Scan-based read of the same table (full Scan, sort by arrival, take 20), on one table
 *    grown from 10,000 to 100,000 tweets spread over the last two days. Goals: ≥ 20× faster than
 *    the Scan, and flat as the table grows.
 * 2. Follow mode: delay from an item being written to its line being printed, at the default 1 s
 *    poll interval, over ~60 items written at random moments. Goal: p95 ≤ 1.5 s.
 *
 * dynalite (in memory) runs in a child process so that its CPU is not the bench's. Prints one
 * JSON line, then a human summary. Figures only, no assertions. Takes ~2-3 minutes.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TweetItem } from '../lambda/contract/table-layout.js';
import { fromItem } from '../src/browse/attribute-values.js';
import { browseTable, followTable } from '../src/browse/browse.js';
import { itemLayout } from '../src/ui/tweet-table.js';
import { createEventTable, localDynamoClient } from '../test/helpers/dynalite.js';
import { tweetItem } from '../test/helpers/records.js';
import { startChildServer, stopChildServers } from './lib/child-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SIZES = [10_000, 100_000];
const NEWEST_RUNS = 20;
const SCAN_RUNS = 3;
const FOLLOW_ITEMS = 60;
const SPAN_MS = 48 * 3_600_000;
const TABLE = 'bench-EventData';

let counter = 0;
const WORDS = 'stream lambda kinesis dynamo serverless 🚀 data realtime pipeline ツイート event shard'.split(' ');

/** A tweet item of 20 words by one of 500 users. */
function tweet(arrivedMs: number): TweetItem {
  counter++;
  const text = Array.from({ length: 20 }, (_, i) => WORDS[(counter + i * 7) % WORDS.length]).join(' ');
  return tweetItem({ arrivedMs, username: `bench_user_${counter % 500}`, text });
}

async function fill(documents: DynamoDBDocumentClient, items: TweetItem[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + 25);
      next += 25;
      let request: Record<string, unknown[]> | undefined = {
        [TABLE]: chunk.map((Item) => ({ PutRequest: { Item } })),
      };
      while (request && Object.keys(request).length > 0) {
        const out = await documents.send(new BatchWriteCommand({ RequestItems: request as never }));
        request = out.UnprocessedItems as Record<string, unknown[]> | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return (items.length / (performance.now() - started)) * 1000;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const median = (values: number[]) => quantile(values, 0.5);
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
const round = (ms: number) => Math.round(ms * 10) / 10;

/** What a browse without an index would do: read everything, sort by arrival, keep the newest 20. */
async function scanNewest(client: DynamoDBClient): Promise<TweetItem[]> {
  const items: TweetItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(fromItem(item) as unknown as TweetItem);
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => (a.tsk < b.tsk ? 1 : -1)).slice(0, 20);
}

async function main(): Promise<void> {
  const { endpoint } = await startChildServer('./emulator-server.ts', ['dynalite']);
  const client = localDynamoClient(endpoint, 3);
  const documents = DynamoDBDocumentClient.from(client);
  await createEventTable({ client }, TABLE);

  // One table grown from 10k to 100k: the new items interleave in time with the old ones, so the
  // newest hour gets denser too (the index read must not care).
  const now = Date.now();
  const all = Array.from({ length: SIZES.at(-1) as number }, (_, i) =>
    tweet(now - 60_000 - ((i * 7919) % SIZES[1]!) * (SPAN_MS / SIZES[1]!)),
  );
  const sizes: Record<string, unknown>[] = [];
  let written = 0;
  for (const size of SIZES) {
    const rate = await fill(documents, all.slice(written, size));
    written = size;
    const newest: number[] = [];
    let queries = 0;
    // Untimed warm-up of both reads (JIT, keep-alive sockets, the emulator settling after the fill),
    // so that the first size is not measured colder than the second.
    for (let run = 0; run < 5; run++) await browseTable({ client, tableName: TABLE, limit: 20 });
    await scanNewest(client);
    for (let run = 0; run < NEWEST_RUNS; run++) {
      newest.push(
        await timed(async () => {
          const page = await browseTable({ client, tableName: TABLE, limit: 20 });
          queries = page.queries;
          if (page.items.length !== 20) throw new Error(`expected 20 items, got ${page.items.length}`);
        }),
      );
    }
    const scans: number[] = [];
    for (let run = 0; run < SCAN_RUNS; run++) scans.push(await timed(() => scanNewest(client)));
    const row = {
      items: size,
      fillItemsPerSecond: Math.round(rate),
      newest20MedianMs: round(median(newest)),
      newest20P95Ms: round(quantile(newest, 0.95)),
      queriesPerRead: queries,
      scanMedianMs: round(median(scans)),
      speedup: Math.round(median(scans) / median(newest)),
    };
    sizes.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }

  // Follow: a writer puts one item at a random moment every 0.2-1.8 s (as the processor would);
  // the follower polls at the default interval and "prints" each line (rendered, then timed).
  const controller = new AbortController();
  const writtenAt = new Map<string, number>();
  const delays: number[] = [];
  const layout = itemLayout({ kind: 'tweet', width: 100, color: false, now: Date.now(), sample: [] });
  const follower = (async () => {
    for await (const batch of followTable({ client, tableName: TABLE, shown: [], signal: controller.signal })) {
      for (const item of batch) {
        layout.row(item);
        const at = writtenAt.get(item.sk);
        if (at !== undefined) delays.push(performance.now() - at);
      }
      if (delays.length >= FOLLOW_ITEMS) controller.abort();
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (let i = 0; i < FOLLOW_ITEMS; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 1600));
    const item = tweet(Date.now());
    writtenAt.set(item.sk, performance.now());
    await documents.send(new PutCommand({ TableName: TABLE, Item: item }));
  }
  await Promise.race([follower, new Promise((resolve) => setTimeout(resolve, 5000))]);
  controller.abort();
  const follow = {
    items: delays.length,
    intervalMs: 1000,
    p50Ms: round(quantile(delays, 0.5)),
    p95Ms: round(quantile(delays, 0.95)),
    maxMs: round(Math.max(...delays)),
  };

  const small = sizes[0] as { newest20MedianMs: number; speedup: number; scanMedianMs: number };
  const large = sizes[1] as { newest20MedianMs: number; speedup: number; scanMedianMs: number };
  const result = {
    bench: 'browse',
    node: process.version,
    sizes,
    flatness: Math.round((large.newest20MedianMs / small.newest20MedianMs) * 100) / 100,
    follow,
    goals: {
      speedupAtLeast20: small.speedup >= 20 && large.speedup >= 20,
      flat: large.newest20MedianMs <= small.newest20MedianMs * 1.5,
      followP95AtMost1500: follow.p95Ms <= 1500,
    },
  };
  Object.assign(result, {
    report: [
      {
        figure: 'browse --limit 20 vs Scan, 10k items',
        measured: `${small.speedup}× (${small.newest20MedianMs} vs ${small.scanMedianMs} ms)`,
        goal: '≥ 20×',
        met: small.speedup >= 20,
      },
      {
        figure: 'browse --limit 20 vs Scan, 100k items',
        measured: `${large.speedup}× (${large.newest20MedianMs} vs ${large.scanMedianMs} ms)`,
        goal: '≥ 20×',
        met: large.speedup >= 20,
      },
      {
        figure: 'browse latency growth 10k → 100k',
        measured: `${result.flatness}×`,
        goal: 'flat (≤ 1.5×)',
        met: result.goals.flat,
      },
      {
        figure: 'follow delay written → printed, p95',
        measured: `${follow.p95Ms} ms`,
        goal: '≤ 1,500 ms',
        met: result.goals.followP95AtMost1500,
      },
    ],
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(
    [
      '',
      `browse --limit 20 (DescribeTable + ByTime index): ${small.newest20MedianMs} ms at 10k, ${large.newest20MedianMs} ms at 100k (median of ${NEWEST_RUNS})`,
      `Scan-based read: ${small.scanMedianMs} ms at 10k, ${large.scanMedianMs} ms at 100k (median of ${SCAN_RUNS})`,
      `speed-up: ${small.speedup}x at 10k, ${large.speedup}x at 100k (goal ≥ 20x); growth 10k→100k: ${result.flatness}x (goal: flat)`,
      `follow delay, written → printed, 1 s interval: p50 ${follow.p50Ms} ms, p95 ${follow.p95Ms} ms over ${follow.items} items (goal p95 ≤ 1500 ms)`,
      '',
    ].join('\n'),
  );
  client.destroy();
}

try {
  await main();
} finally {
  stopChildServers();
}
