/** The quick start as a service: deploy, ingest synthetic tweets while following the table, measure. */
import type { TweetItem } from '../../lambda/contract/table-layout.js';
import { browseStack } from '../browse/browse.js';
import type { ResolvedStack } from '../config/store.js';
import { UserError } from '../errors.js';
import { givenUpFilePath } from '../ingest/given-up-file.js';
import { ingestIntoStack } from '../ingest/ingest.js';
import { syntheticId } from '../ingest/sources/synthetic.js';
import type { IngestSummary } from '../ingest/summary.js';
import type { Reporter } from '../progress.js';
import { deployStack } from '../stack/deploy.js';
import { teardownStack } from '../stack/teardown.js';
import type { ConfirmQuestion, DeployResult, StackTarget, TeardownResult } from '../target.js';

/*
 * Built from the very services `deploy`, `ingest`, `browse` and `teardown` call, so the demo shows
 * the real pipeline, not a second implementation of it; what is its own is the run's expected
 * tweet ids, the wait for them to settle in the table, and the latency figures.
 */

export interface DemoOptions {
  stack: ResolvedStack;
  /** The target the stack lives on. Default: the stack's own, from `targetFor`. */
  target?: StackTarget;
  /** Synthetic tweets to send. */
  count: number;
  /** Tweets per second. */
  rate: number;
  /** Seed for the synthetic tweets; a fresh random one by default, so each run's ids are new. */
  seed?: number;
  /** Tear the stack down at the end. */
  teardown: boolean;
  /** How long to wait, after the last record is sent, for every tweet to reach the table. Default 60 s. */
  settleTimeoutMs?: number;
  reporter: Reporter;
  confirm: (question: ConfirmQuestion) => Promise<boolean>;
  signal: AbortSignal;
  /** New tweets of this run as they appear in the table (oldest first). */
  onTweets?: (items: TweetItem[], found: number) => void;
}

export interface LatencyFigures {
  /** Kinesis arrival → item written by the processor, over every tweet of the run. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export interface DemoResult {
  stack: string;
  target: string;
  deploy: Pick<DeployResult, 'status' | 'resources' | 'outputs'>;
  seed: number;
  ingest: IngestSummary;
  /** Records Kinesis acknowledged. */
  sent: number;
  /** This run's tweets read back from the table. */
  itemsInTable: number;
  /** Sent but not found in the table when the wait ended. */
  missing: number;
  /** Rejected records that arrived during the run. */
  rejected: number;
  latency: LatencyFigures;
  durationMs: number;
  teardown?: TeardownResult;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function latencyOf(items: Iterable<TweetItem>): LatencyFigures {
  const values: number[] = [];
  for (const item of items) {
    const ms = Date.parse(item.processedAt) - Date.parse(item.arrivedAt);
    if (Number.isFinite(ms)) values.push(Math.max(0, ms));
  }
  values.sort((a, b) => a - b);
  return {
    p50Ms: percentile(values, 50),
    p99Ms: percentile(values, 99),
    maxMs: values.at(-1) ?? 0,
    samples: values.length,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long an interrupted demo still waits for the tweets it sent to reach the table. */
export const INTERRUPTED_SETTLE_MS = 15_000;

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const { target, reporter, signal } = options;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);

  const deployment = await deployStack({ stack: options.stack, reporter, confirm: options.confirm, signal, target });
  // The stack as deployed: on AWS the stream and table are found through the outputs just saved.
  const stack = deployment.stack;
  const table = await browseStack({ stack, target });

  const expected = new Set(Array.from({ length: options.count }, (_, index) => syntheticId(seed, index)));
  const found = new Map<string, TweetItem>();

  // Follow the table from now on, keeping only this run's tweets (the stack may hold older ones).
  const stopFollowing = new AbortController();
  const follow = (async () => {
    for await (const batch of table.follow({ shown: [], intervalMs: 250, signal: stopFollowing.signal })) {
      const fresh: TweetItem[] = [];
      for (const item of batch) {
        if (item.kind !== 'tweet' || !expected.has(item.tweetId) || found.has(item.tweetId)) continue;
        found.set(item.tweetId, item);
        fresh.push(item);
      }
      if (fresh.length > 0) options.onTweets?.(fresh, found.size);
    }
  })();

  try {
    const run = await ingestIntoStack({
      stack,
      source: { synthetic: true, seed, count: options.count, rate: options.rate },
      givenUpFile: givenUpFilePath(stack.name, { run: `demo-${seed}` }),
      signal,
      onWarning: (message) => reporter.warn(message),
      target,
    });
    const ingest = await run.done;

    // Every acknowledged record should reach the table; wait for the processor to catch up, also
    // after Ctrl-C (the records sent are on their way: counting them missing would be wrong), but
    // not as long. A second Ctrl-C ends the process at once.
    const settleMs = options.settleTimeoutMs ?? 60_000;
    const deadline = Date.now() + (signal.aborted ? Math.min(settleMs, INTERRUPTED_SETTLE_MS) : settleMs);
    while (found.size < ingest.sent && Date.now() < deadline) await sleep(100);
    stopFollowing.abort();
    await follow;

    const rejected = await table.newest({ kind: 'rejected', sinceMs: started - 1_000, limit: 1_000 });
    const result: DemoResult = {
      stack: stack.name,
      target: stack.settings.target,
      deploy: {
        status: deployment.result.status,
        resources: deployment.result.resources,
        outputs: deployment.result.outputs,
      },
      seed,
      ingest,
      sent: ingest.sent,
      itemsInTable: found.size,
      missing: Math.max(0, ingest.sent - found.size),
      rejected: rejected.items.length,
      latency: latencyOf(found.values()),
      durationMs: Date.now() - started,
    };
    if (options.teardown) {
      result.teardown = await teardownStack({ stack, keepData: false, reporter, signal, target });
    }
    return result;
  } finally {
    stopFollowing.abort();
    await follow.catch(() => {});
    table.close();
  }
}

/** The demo's verdict: a run that lost tweets is a failure, said plainly. */
export function checkDemo(result: DemoResult): void {
  if (result.missing > 0) {
    throw new UserError(
      `${result.missing} of ${result.sent} sent tweets did not reach the table in time (found ${result.itemsInTable})`,
      {
        hint: 'The processor may be failing: look at the engine log (streamproc deploy shows where) or run streamproc browse --rejected.',
        code: 'DEMO_INCOMPLETE',
      },
    );
  }
}
