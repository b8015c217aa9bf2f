/** Renders a status report: the verdict line first, then stream, mapping, processor, table, on-failure; sparklines in watch. */
import { isUnknown, type Known } from '../status/figures.js';
import type { StatusReport } from '../status/status.js';
import { formatDuration, formatWindow } from '../status/verdict.js';
import { sparkline } from './sparkline.js';
import type { Paint } from './style.js';

export interface StatusViewOptions {
  paint: Paint;
  /** Watch mode: sparklines and the time of the figures. */
  watch?: boolean;
  /** Lag per tick, gathered by the watch itself where the target has no lag series. */
  lagHistory?: number[];
}

const VERDICT_STYLE = {
  healthy: 'green',
  lagging: 'yellow',
  failing: 'red',
  stopped: 'red',
  'not deployed': 'yellow',
} as const;

/** A figure, or "unknown (why)". */
function show<T>(value: Known<T> | undefined, format: (v: T) => string, paint: Paint): string {
  if (value === undefined) return paint.gray('unknown');
  if (isUnknown(value)) return paint.gray(`unknown (${value.unknown})`);
  return format(value);
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const ms = (v: number | null) => (v === null ? '–' : formatDuration(v));

export function renderStatus(report: StatusReport, options: StatusViewOptions): string {
  const { paint } = options;
  const { verdict } = report;
  // Counts over fewer seconds than asked (the engine's sample logs are bounded) say so.
  const window =
    report.coveredSeconds === undefined
      ? formatWindow(report.windowSeconds)
      : `${formatDuration(report.coveredSeconds * 1_000)} of ${formatWindow(report.windowSeconds)}`;
  const lines: string[] = [];
  const head = `${paint.bold(report.stack)} (${report.target}): ${paint[VERDICT_STYLE[verdict.state]](paint.bold(verdict.state))} — ${verdict.reason}`;
  lines.push(options.watch ? `${head}  ${paint.gray(new Date(report.at).toLocaleTimeString('en-GB'))}` : head);
  if (verdict.next) lines.push(`${paint.gray('next:')} ${verdict.next}`);
  if (!report.deployed) return lines.join('\n');
  lines.push('');
  const label = (name: string) => paint.cyan(name.padEnd(11));

  const { stream, mapping, processor, consumers, table, failureDestination: dlq } = report;
  if (!report.running) {
    // Nothing runs, so nothing flows: the names, and what still waits on disk or in the queue.
    if (stream) lines.push(`${label('stream')}${stream.name}`);
    if (table) lines.push(`${label('table')}${table.name}`);
    if (dlq)
      lines.push(
        `${label('on-failure')}${show(dlq.failedBatches, (n) => count(n, 'failed batch', 'failed batches'), paint)} · ${paint.gray(dlq.location)}`,
      );
    return lines.join('\n');
  }
  if (stream) {
    lines.push(
      `${label('stream')}${stream.name} · ${show(stream.shards, (n) => count(n, 'shard'), paint)} · retention ${show(stream.retentionHours, (h) => `${h} h`, paint)} · ${show(stream.recordsInPerSecond, (r) => `${r} records/s in`, paint)} ${paint.gray(`(${stream.recordsInSource}, last ${window})`)}`,
    );
  }
  if (mapping) {
    lines.push(
      `${label('mapping')}${show(mapping.state, (s) => s, paint)} · batch ${show(mapping.batchSize, String, paint)}, window ${show(mapping.batchingWindowSeconds, (s) => `${s} s`, paint)}, retries ${show(mapping.maximumRetryAttempts, (n) => (n === -1 ? 'unlimited' : String(n)), paint)} · last result ${show(mapping.lastProcessingResult, (s) => s, paint)} · lag ${show(mapping.maxLagMs, formatDuration, paint)} · ${show(mapping.recordsProcessed, (n) => `${count(n, 'record')} processed`, paint)}`,
    );
    for (const shard of mapping.shards) {
      const behind = show(shard.recordsBehind, (n) => `${n}${shard.recordsBehindCapped ? '+' : ''} behind`, paint);
      const error = shard.lastError ? paint.gray(` · last error: ${shard.lastError}`) : '';
      lines.push(
        `${' '.repeat(11)}${shard.shardId}  ${shard.state} · lag ${show(shard.lagMs, formatDuration, paint)} · ${behind} · ${show(shard.lastResult, (s) => s, paint)}${error}`,
      );
    }
  }
  if (processor) {
    const metrics = [
      processor.invocations,
      processor.errors,
      processor.throttles,
      processor.durationP50Ms,
      processor.durationP99Ms,
    ];
    const reasons = new Set(metrics.map((m) => (isUnknown(m) ? m.unknown : '')));
    const [only] = reasons;
    if (reasons.size === 1 && only) {
      // One refused call (usually CloudWatch) behind every metric: say it once.
      lines.push(`${label('processor')}${processor.name} · ${paint.gray(`metrics unknown (${only})`)}`);
    } else {
      const errors = show(processor.errors, (n) => (n > 0 ? paint.red(count(n, 'error')) : count(n, 'error')), paint);
      lines.push(
        `${label('processor')}${processor.name} · ${show(processor.invocations, (n) => count(n, 'invocation'), paint)} · ${errors} · ${show(processor.throttles, (n) => count(n, 'throttle'), paint)} · duration p50 ${show(processor.durationP50Ms, ms, paint)}, p99 ${show(processor.durationP99Ms, ms, paint)} ${paint.gray(`(last ${window})`)}`,
      );
    }
  }
  // Each further consumer on its own line: its mapping is independent of the processor's.
  for (const c of consumers ?? []) {
    const errors = show(c.errors, (n) => (n > 0 ? paint.red(count(n, 'error')) : count(n, 'error')), paint);
    lines.push(
      `${label('consumer')}${c.function} ${paint.gray(`(${c.mapping})`)} · ${show(c.state, (s) => s, paint)} · batch ${show(c.batchSize, String, paint)} · last result ${show(c.lastProcessingResult, (s) => s, paint)} · lag ${show(c.maxLagMs, formatDuration, paint)} · ${show(c.recordsBehind, (n) => `${n}${c.recordsBehindCapped ? '+' : ''} behind`, paint)} · ${show(c.recordsProcessed, (n) => `${count(n, 'record')} processed`, paint)} · ${errors} ${paint.gray(`(last ${window})`)}`,
    );
  }
  if (table) {
    const counted = table.itemsCountedAt
      ? paint.gray(` (counted ${new Date(table.itemsCountedAt).toLocaleTimeString('en-GB')})`)
      : '';
    lines.push(
      `${label('table')}${table.name} · ${show(table.items, (n) => `${table.itemsApproximate ? '~' : ''}${count(n, 'item')}`, paint)}${counted} · ${show(table.rejectedRecently, (n) => `${n}${table.rejectedCapped ? '+' : ''} rejected in the last ${window}`, paint)}`,
    );
  }
  if (dlq) {
    const failed = show(
      dlq.failedBatches,
      (n) =>
        n > 0 ? paint.red(count(n, 'failed batch', 'failed batches')) : count(n, 'failed batch', 'failed batches'),
      paint,
    );
    lines.push(`${label('on-failure')}${failed} · ${paint.gray(dlq.location)}`);
  }
  if (options.watch && report.series) {
    const lag = report.series.lagMs.length > 0 ? report.series.lagMs : (options.lagHistory ?? []);
    lines.push('', paint.gray(`over the last ${window}, oldest left:`));
    const line = (values: number[]) => (values.length > 0 ? sparkline(values) : paint.gray('unknown on this target'));
    lines.push(`${label('records in')}${line(report.series.recordsIn)}`);
    lines.push(`${label('processed')}${line(report.series.recordsProcessed)}`);
    lines.push(`${label('lag')}${sparkline(lag)}${report.series.lagMs.length > 0 ? '' : paint.gray(' (per refresh)')}`);
    lines.push(`${label('errors')}${line(report.series.errors)}`);
  }
  return lines.join('\n');
}
