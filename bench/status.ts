/**
 * Status bench: `npx tsx bench/status.ts` (or `npm run bench -- status`).
 *
 * `streamproc status` on the local engine with 100,000 items in the table: the built CLI as a
 * user runs it, wall time from spawn to exit, after the engine's item count has settled (the
 * first answer after a fill says the count is still running, by design), against
 * `streamproc --version` as the floor of CLI start-up. Goal: under a second. Also the first
 * answer right after the fill (the count not yet known), which must not wait for it.
 * Figures only, no assertions. Takes ~1-2 minutes (most of it filling the table).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TweetItem } from '../lambda/contract/table-layout.js';
import { runCli, tempDirs } from '../test/helpers/cli.js';
import { localDynamoClient } from '../test/helpers/dynalite.js';
import { killEngines } from '../test/helpers/engines.js';
import { tweetItem } from '../test/helpers/records.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ITEMS = 100_000;
const RUNS = 7;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const round = (ms: number) => Math.round(ms);

async function timedCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const result = await runCli(args, { env, timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`streamproc ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return { ms: performance.now() - started, stdout: result.stdout };
}

async function main(): Promise<void> {
  const dirs = await tempDirs('streamproc-bench-status-');
  const env = dirs.env();
  try {
    await timedCli(['deploy', '--json'], env);
    const state = JSON.parse(await readFile(join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json'), 'utf8'));
    const client = localDynamoClient(state.endpoints.dynamodb, 5);
    const documents = DynamoDBDocumentClient.from(client);
    const now = Date.now();
    const items: TweetItem[] = Array.from({ length: ITEMS }, (_, i) =>
      tweetItem({ arrivedMs: now - 60_000 - ((i * 7919) % ITEMS) * 1_000, username: `bench_user_${i % 500}` }),
    );
    const fillStarted = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const chunk = items.slice(next, next + 25);
        next += 25;
        let request: Record<string, unknown[]> | undefined = {
          'streamproc-EventData': chunk.map((Item) => ({ PutRequest: { Item } })),
        };
        while (request && Object.keys(request).length > 0) {
          const out = await documents.send(new BatchWriteCommand({ RequestItems: request as never }));
          request = out.UnprocessedItems as Record<string, unknown[]> | undefined;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    client.destroy();

    const first = await timedCli(['status', '--json'], env);
    const firstItems = JSON.parse(first.stdout).table?.items;
    // Wait for the engine's background count to know the table (it refreshes on demand).
    let settled: { ms: number; stdout: string } | undefined;
    for (let i = 0; i < 60; i += 1) {
      const run = await timedCli(['status', '--json'], env);
      if (JSON.stringify(JSON.parse(run.stdout).table?.items ?? null).includes(String(ITEMS))) {
        settled = run;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const status: number[] = [];
    const version: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      status.push((await timedCli(['status', '--json'], env)).ms);
      version.push((await timedCli(['--version'], env)).ms);
    }
    const statusMs = round(median(status));
    const versionMs = round(median(version));
    const result = {
      bench: 'status',
      node: process.version,
      items: ITEMS,
      fillSeconds: Math.round(fillSeconds * 10) / 10,
      firstAfterFillMs: round(first.ms),
      firstAfterFillItems: firstItems ?? null,
      countSettled: settled !== undefined,
      statusMedianMs: statusMs,
      versionMedianMs: versionMs,
      statusOverStartupMs: statusMs - versionMs,
      report: [
        {
          figure: `status --json, local engine, ${ITEMS.toLocaleString('en')} items (median of ${RUNS}, built CLI)`,
          measured: `${statusMs} ms (CLI start-up alone ${versionMs} ms)`,
          goal: '< 1,000 ms',
          met: statusMs < 1_000,
        },
        {
          figure: 'status right after the fill (item count still running)',
          measured: `${round(first.ms)} ms`,
          goal: '< 1,000 ms',
          met: first.ms < 1_000,
        },
      ],
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.stdout.write(
      [
        '',
        `filled ${ITEMS} items in ${result.fillSeconds} s`,
        `status --json: median ${statusMs} ms over ${RUNS} runs (streamproc --version: ${versionMs} ms; status's own work ≈ ${result.statusOverStartupMs} ms)`,
        `first status right after the fill: ${round(first.ms)} ms (items: ${JSON.stringify(firstItems ?? null)})`,
        '',
      ].join('\n'),
    );
  } finally {
    await killEngines(dirs.dataDir);
    await dirs.cleanup();
  }
}

await main();
