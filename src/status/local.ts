/** Gathers `status` figures on the local target: the engine's counters, the failures file, a few cheap reads. */
import { resourceName } from '../config/stack-name.js';
import type { ResolvedStack } from '../config/store.js';
import { callRoute } from '../local/engine/control-client.js';
import { stackEnginePaths } from '../local/engine/paths.js';
import { functionOf, normalizePipeline, primaryFunction, primaryMapping } from '../local/engine/pipeline-shape.js';
import type { LocalPipeline } from '../local/engine/protocol.js';
import type { ShardBehind } from '../local/engine/records-behind.js';
import { isProcessAlive, readJson } from '../local/engine/state.js';
import { RECENT_SAMPLE_LIMIT } from '../local/mapping/invocation-log.js';
import type { ShardStats } from '../local/mapping/reports.js';
import { findRunningEngine, type LiveEngine } from '../local/target/engine-launcher.js';
import { lockHolder } from '../pid-lock.js';
import { countLines } from './failure-file.js';
import {
  type ConsumerFigures,
  type Known,
  REJECTED_CAP,
  SERIES_BUCKETS,
  type ShardFigures,
  type StatusFigures,
} from './figures.js';
import { bucketed, coveredFrom, percentile, perSecond } from './window-stats.js';

export interface GatherOptions {
  stack: ResolvedStack;
  windowMs: number;
  now?: () => number;
}

const unknown = (why: string) => ({ unknown: why });
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function gatherLocal(options: GatherOptions): Promise<StatusFigures> {
  const now = options.now ?? Date.now;
  const nowMs = now();
  const stack = options.stack.name;
  const paths = stackEnginePaths(stack);
  const base = {
    stack,
    target: 'local' as const,
    at: new Date(nowMs).toISOString(),
    windowSeconds: options.windowMs / 1_000,
  };
  const saved = await readJson<LocalPipeline>(paths.pipeline);
  const live = await findRunningEngine(paths, 2_000);
  const appliedRaw = live?.status.pipeline ?? saved;
  const applied = appliedRaw && normalizePipeline(appliedRaw);
  if (!applied) {
    return { ...base, deployed: false, running: false };
  }
  const mapping = primaryMapping(applied);
  const failureFile = mapping.failureFile ?? paths.failures;
  const failedBatches: Known<number> = await countLines(failureFile).catch((e) => unknown(reason(e)));
  const failureDestination = { kind: 'file' as const, location: failureFile, failedBatches };
  const stream = {
    name: applied.stream.name ?? resourceName(stack, 'stream'),
    shards: applied.stream.shardCount,
    retentionHours: applied.stream.retentionHours,
  };
  const settings = mapping.settings;
  const mappingSettings = {
    batchSize: settings.batchSize,
    batchingWindowSeconds: settings.maximumBatchingWindowInSeconds,
    maximumRetryAttempts: settings.maximumRetryAttempts,
  };

  if (!live) {
    const holder = await lockHolder(paths.lock);
    const notRunningReason =
      holder !== undefined && isProcessAlive(holder)
        ? `engine (pid ${holder}) does not answer on its control channel`
        : 'engine not running';
    const why = unknown(notRunningReason);
    return {
      ...base,
      deployed: true,
      running: false,
      notRunningReason,
      stream: { ...stream, recordsInPerSecond: why, recordsInSource: 'records read by the runner' },
      mapping: {
        state: 'stopped',
        ...mappingSettings,
        lastProcessingResult: why,
        maxLagMs: why,
        recordsProcessed: why,
        shards: [],
      },
      table: { name: applied.table.name, items: why, itemsApproximate: true, rejectedRecently: why },
      failureDestination,
    };
  }

  return gatherRunning({
    live,
    applied,
    nowMs,
    windowMs: options.windowMs,
    base,
    stream,
    mappingSettings,
    failureDestination,
  });
}

interface RunningContext {
  live: LiveEngine;
  applied: LocalPipeline;
  nowMs: number;
  windowMs: number;
  base: Pick<StatusFigures, 'stack' | 'target' | 'at' | 'windowSeconds'>;
  stream: { name: string; shards: number; retentionHours: number };
  mappingSettings: { batchSize: number; batchingWindowSeconds: number; maximumRetryAttempts: number };
  failureDestination: NonNullable<StatusFigures['failureDestination']>;
}

/** The figures of a running engine: its counters, plus the item count, records behind and rejected count it reads. */
async function gatherRunning(context: RunningContext): Promise<StatusFigures> {
  const { live, applied, nowMs, base, stream, mappingSettings, failureDestination } = context;
  const options = { windowMs: context.windowMs };
  const { state } = live;
  const stats = live.status.mapping as { state: string; shards: ShardStats[] } | undefined;
  const shards = stats?.shards ?? [];
  const startMs = nowMs - options.windowMs;
  const window = { startMs, endMs: nowMs, buckets: SERIES_BUCKETS };

  const [items, rejected, behindAll] = await Promise.all([
    callRoute(state.control, 'GET /items/approximate', undefined, 2_000).catch((e) => ({
      error: reason(e),
      counting: false,
    })),
    // The engine reads its emulators with warm clients: status loads no AWS SDK and stays well under a second.
    callRoute(state.control, 'POST /rejected/count', { sinceMs: startMs, cap: REJECTED_CAP }, 2_000).catch((e) =>
      unknown(reason(e)),
    ),
    callRoute(state.control, 'GET /mapping/behind', undefined, 2_000).then(
      (r) => r,
      (e) => reason(e),
    ),
  ]);
  const behind = typeof behindAll === 'string' ? behindAll : new Map(behindAll.shards.map((s) => [s.shardId, s]));

  // The engine keeps a bounded log per shard: at high rates it covers less than the window, and
  // counts and rates are then taken over what it covers (and say so).
  const fromMs = coveredFrom(
    shards.flatMap((s) => [s.recent ?? [], s.recentReads ?? []]),
    startMs,
    RECENT_SAMPLE_LIMIT,
  );
  const invocations = shards.flatMap((s) => (s.recent ?? []).filter((x) => x.at >= fromMs));
  const reads = shards.flatMap((s) => (s.recentReads ?? []).filter((x) => x.at >= fromMs));
  const ok = invocations.filter((x) => x.result === 'ok');
  const durations = invocations.map((x) => x.durationMs);
  const recordsRead = reads.reduce((sum, x) => sum + x.records, 0);
  const recordsProcessed = ok.reduce((sum, x) => sum + x.records, 0);
  const errors = invocations.filter((x) => x.result === 'error').length;
  const maxLagMs = shards.reduce((max, s) => Math.max(max, s.lagMs), 0);

  const shardFigures: ShardFigures[] = shards.map((s) => ({
    shardId: s.shardId,
    state: s.state,
    lagMs: s.lagMs,
    recordsBehind: behindOf(behind, s.shardId),
    ...(typeof behind !== 'string' && behind.get(s.shardId)?.capped ? { recordsBehindCapped: true } : {}),
    lastResult: lastResult(s),
    ...(s.lastError ? { lastError: s.lastError.message } : {}),
  }));
  const newest = shards.flatMap((s) => (s.recent ?? []).slice(-1)).sort((a, b) => b.at - a.at)[0];

  const consumers = consumerFigures(
    applied,
    live.status.mappings ?? {},
    fromMs,
    typeof behindAll === 'string' ? behindAll : (behindAll.mappings ?? {}),
  );

  return {
    ...base,
    deployed: true,
    running: true,
    ...(fromMs > startMs ? { coveredSeconds: Math.round((nowMs - fromMs) / 1_000) } : {}),
    stream: {
      ...stream,
      recordsInPerSecond: perSecond(recordsRead, nowMs - fromMs),
      recordsInSource: 'records read by the runner',
    },
    mapping: {
      state: stats?.state ?? 'idle',
      ...mappingSettings,
      lastProcessingResult: newest ? processingResult(newest.result) : 'No records processed',
      maxLagMs,
      recordsProcessed,
      shards: shardFigures,
    },
    processor: {
      name: primaryFunction(applied).name,
      invocations: invocations.length,
      errors,
      throttles: 0,
      durationP50Ms: roundMs(percentile(durations, 50)),
      durationP99Ms: roundMs(percentile(durations, 99)),
    },
    table: {
      name: applied.table.name,
      items: 'count' in items && items.count !== undefined ? items.count : unknown(itemsUnknown(items)),
      itemsApproximate: true,
      ...('countedAt' in items && items.countedAt ? { itemsCountedAt: items.countedAt } : {}),
      rejectedRecently: 'count' in rejected ? rejected.count : rejected,
      ...('capped' in rejected && rejected.capped ? { rejectedCapped: true } : {}),
    },
    ...(consumers.length > 0 ? { consumers } : {}),
    failureDestination,
    series: {
      recordsIn: bucketed(reads, (x) => x.records, window),
      recordsProcessed: bucketed(ok, (x) => x.records, window),
      errors: bucketed(invocations, (x) => (x.result === 'error' ? 1 : 0), window),
      lagMs: [],
    },
  };
}

/** The figures of each mapping but the processor's, from its own stats, over the same window. */
function consumerFigures(
  applied: LocalPipeline,
  stats: Record<string, unknown>,
  fromMs: number,
  behind: Record<string, ShardBehind[]> | string,
): ConsumerFigures[] {
  const primary = primaryMapping(applied).logicalId;
  return applied.mappings
    .filter((m) => m.logicalId !== primary)
    .map((m) => {
      const own = stats[m.logicalId] as { state: string; shards: ShardStats[] } | undefined;
      const shards = own?.shards ?? [];
      const invocations = shards.flatMap((s) => (s.recent ?? []).filter((x) => x.at >= fromMs));
      const newest = shards.flatMap((s) => (s.recent ?? []).slice(-1)).sort((a, b) => b.at - a.at)[0];
      return {
        mapping: m.logicalId,
        function: functionOf(applied, m).name,
        state: own?.state ?? unknown('not running'),
        batchSize: m.settings.batchSize,
        lastProcessingResult: newest ? processingResult(newest.result) : 'No records processed',
        maxLagMs: shards.reduce((max, s) => Math.max(max, s.lagMs), 0),
        ...recordsBehindOf(typeof behind === 'string' ? behind : behind[m.logicalId]),
        recordsProcessed: invocations.filter((x) => x.result === 'ok').reduce((sum, x) => sum + x.records, 0),
        invocations: invocations.length,
        errors: invocations.filter((x) => x.result === 'error').length,
      };
    });
}

/** A mapping's records behind, summed over its shards; unknown when any shard's is. */
function recordsBehindOf(
  shards: ShardBehind[] | string | undefined,
): Pick<ConsumerFigures, 'recordsBehind' | 'recordsBehindCapped'> {
  if (typeof shards === 'string') return { recordsBehind: unknown(shards) };
  if (!shards) return { recordsBehind: unknown('not read') };
  const missing = shards.find((s) => s.count === undefined);
  if (missing) return { recordsBehind: unknown(missing.reason ?? 'not read') };
  const total = shards.reduce((sum, s) => sum + (s.count ?? 0), 0);
  return { recordsBehind: total, ...(shards.some((s) => s.capped) ? { recordsBehindCapped: true } : {}) };
}

function itemsUnknown(items: { error?: string; counting?: boolean }): string {
  if (items.error) return `count failed: ${items.error}`;
  return 'still counting (the engine counts in the background; ask again in a moment)';
}

/** Lambda's LastProcessingResult wording for a local invocation result. */
function processingResult(result: 'ok' | 'partial' | 'error'): string {
  if (result === 'error') return 'PROBLEM: Function call failed';
  if (result === 'partial') return 'OK (partial batch failure reported)';
  return 'OK';
}

function lastResult(shard: ShardStats): Known<string> {
  const last = shard.recent?.[shard.recent.length - 1];
  return last ? processingResult(last.result) : 'No records processed';
}

function behindOf(behind: Map<string, ShardBehind> | string, shardId: string): Known<number> {
  if (typeof behind === 'string') return unknown(behind);
  const shard = behind.get(shardId);
  return shard?.count ?? unknown(shard?.reason ?? 'not read');
}

/** Durations to a tenth of a millisecond: finer is noise. */
const roundMs = (ms: number | null) => (ms === null ? null : Math.round(ms * 10) / 10);
