import { join } from 'node:path';
import type { TweetItem } from '../../lambda/contract/table-layout.js';
import { pipelineClients } from '../aws/clients.js';
import { stackDataDir } from '../config/paths.js';
import type { ResolvedStack } from '../config/store.js';
import { UserError } from '../errors.js';
import type { IngestSummary } from '../ingest/summary.js';
import type { Reporter } from '../progress.js';
import { deployParameterOverrides, validateDeployParameters } from '../stack/deploy-parameters.js';
import type { ConfirmQuestion, DeployResult, StackTarget, TeardownResult } from '../target.js';

/**
 * The quick start as a service: deploy, ingest synthetic tweets while following the table, then
 * measure what arrived. Built only from the services `deploy`, `ingest`, `browse` and `teardown`
 * use, so the demo shows the real pipeline, not a second implementation of it.
 */

export interface DemoOptions {
  stack: ResolvedStack;
  target: StackTarget;
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

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const { stack, target, reporter } = options;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);

  const parameters = deployParameterOverrides(stack.settings, {});
  await validateDeployParameters(parameters);
  const deployed = await target.deploy({
    stack,
    parameters,
    reporter,
    confirm: options.confirm,
    signal: options.signal,
  });
  const endpoints = await target.endpoints(stack);
  const clients = await pipelineClients(endpoints, { maxAttempts: 1, maxSockets: 8 });

  const [{ syntheticId, syntheticSource }, { startIngest }, { followTable, browseTable }] = await Promise.all([
    import('../ingest/sources/synthetic.js'),
    import('../ingest/ingest.js'),
    import('../browse/browse.js'),
  ]);
  const expected = new Set(Array.from({ length: options.count }, (_, index) => syntheticId(seed, index)));
  const found = new Map<string, TweetItem>();

  // Follow the table from now on, keeping only this run's tweets (the stack may hold older ones).
  const stopFollowing = new AbortController();
  const follow = (async () => {
    for await (const batch of followTable({
      client: clients.dynamodb,
      tableName: endpoints.tableName,
      endpoint: endpoints.dynamodb.endpoint,
      shown: [],
      intervalMs: 250,
      signal: stopFollowing.signal,
    })) {
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
    const run = await startIngest({
      source: syntheticSource({ seed, count: options.count, rate: options.rate, keywords: stack.settings.keywords }),
      client: clients.kinesis,
      streamName: endpoints.streamName,
      givenUpFile: join(stackDataDir(stack.name), 'ingest', `given-up-demo-${seed}.ndjson`),
      signal: options.signal,
      onWarning: (message) => reporter.warn(message),
    });
    const ingest = await run.done;

    // Every acknowledged record should reach the table; wait for the processor to catch up.
    const deadline = Date.now() + (options.settleTimeoutMs ?? 60_000);
    while (found.size < ingest.sent && Date.now() < deadline && !options.signal.aborted) {
      await sleep(100, options.signal);
    }
    stopFollowing.abort();
    await follow;

    const rejected = await browseTable({
      client: clients.dynamodb,
      tableName: endpoints.tableName,
      endpoint: endpoints.dynamodb.endpoint,
      kind: 'rejected',
      sinceMs: started - 1_000,
      limit: 1_000,
    });
    const result: DemoResult = {
      stack: stack.name,
      target: stack.settings.target,
      deploy: { status: deployed.status, resources: deployed.resources, outputs: deployed.outputs },
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
      result.teardown = await target.teardown({ stack, keepData: false, reporter, signal: options.signal });
    }
    return result;
  } finally {
    stopFollowing.abort();
    await follow.catch(() => {});
    clients.kinesis.destroy();
    clients.dynamodb.destroy();
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
