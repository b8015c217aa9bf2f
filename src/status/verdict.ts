/** The verdict on a pipeline's figures (healthy, lagging, failing, stopped, not deployed), its reason and the next command. */
import { DEFAULT_STACK_NAME } from '../config/settings.js';
import { isUnknown, type Known, type StatusFigures, valueOr } from './figures.js';

export type VerdictState = 'healthy' | 'lagging' | 'failing' | 'stopped' | 'not deployed';

export interface Verdict {
  state: VerdictState;
  /** One line: why. */
  reason: string;
  /** The command to run next, when there is one. */
  next?: string;
}

/** An iterator age above this is lagging: a caught-up mapping stays within a few seconds. */
export const LAGGING_LAG_MS = 60_000;

/** "15m", "2h", "45s", "1d": how the window reads in a sentence. */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** "850 ms", "12.3 s", "4m 05s", "2h 10m". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const s = Math.round(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3_600)}h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The verdict: a pure function of the figures, checked in this order (the first that holds wins). */
export function verdictOf(figures: StatusFigures): Verdict {
  const stackFlag = figures.stack === DEFAULT_STACK_NAME ? '' : ` --stack ${figures.stack}`;
  const run = (command: string) => `streamproc ${command}${stackFlag}`;
  const window =
    figures.coveredSeconds === undefined
      ? formatWindow(figures.windowSeconds)
      : formatDuration(figures.coveredSeconds * 1_000);

  if (!figures.deployed) {
    return { state: 'not deployed', reason: `stack ${figures.stack} is not deployed`, next: run('deploy') };
  }
  if (!figures.running) {
    return {
      state: 'stopped',
      reason: figures.notRunningReason ?? (figures.target === 'local' ? 'engine not running' : 'stack not usable'),
      next: run('deploy'),
    };
  }
  const mappingState = valueOr(figures.mapping?.state, undefined);
  if (mappingState !== undefined && /^(disabled|disabling|stopped)$/i.test(mappingState)) {
    return { state: 'stopped', reason: `the event source mapping is ${mappingState}`, next: run('deploy') };
  }

  const failed = valueOr(figures.failureDestination?.failedBatches, 0);
  if (failed > 0) {
    return {
      state: 'failing',
      reason: `${plural(failed, 'failed batch', 'failed batches')} in the on-failure destination`,
      next: run('redrive'),
    };
  }
  const errors = valueOr(figures.processor?.errors, 0);
  if (errors > 0) {
    return {
      state: 'failing',
      reason: `${plural(errors, 'function error')} in the last ${window}`,
      next: run('logs'),
    };
  }
  // The second consumer (deploy --consumer) fails and lags on its own mapping; its figures count too.
  for (const consumer of figures.consumers ?? []) {
    const consumerErrors = valueOr(consumer.errors, 0);
    if (consumerErrors > 0) {
      return {
        state: 'failing',
        reason: `${plural(consumerErrors, 'function error')} in consumer ${consumer.function} in the last ${window}`,
        next: run('logs --consumer'),
      };
    }
  }

  const lag = valueOr(figures.mapping?.maxLagMs, 0);
  if (lag > LAGGING_LAG_MS) {
    return {
      state: 'lagging',
      reason: `iterator age ${formatDuration(lag)} (more than ${formatDuration(LAGGING_LAG_MS)} behind the stream)`,
      next: `${run('deploy')} --shards N   (more shards, or a larger --batch-size)`,
    };
  }
  for (const consumer of figures.consumers ?? []) {
    const consumerLag = valueOr(consumer.maxLagMs, 0);
    if (consumerLag > LAGGING_LAG_MS) {
      return {
        state: 'lagging',
        reason: `consumer ${consumer.function}: iterator age ${formatDuration(consumerLag)} (more than ${formatDuration(LAGGING_LAG_MS)} behind the stream)`,
        next: run('logs --consumer'),
      };
    }
  }
  const throttles = valueOr(figures.processor?.throttles, 0);
  if (throttles > 0) {
    return {
      state: 'lagging',
      reason: `${plural(throttles, 'throttled invocation')} in the last ${window}`,
      next: run('logs'),
    };
  }

  const unknown = unknownFigures(figures);
  const caveat = unknown.length > 0 ? ` (not known: ${unknown.join(', ')})` : '';
  const recordsIn = valueOr(figures.stream?.recordsInPerSecond, undefined);
  const processed = valueOr(figures.mapping?.recordsProcessed, undefined);
  const rejected = valueOr(figures.table?.rejectedRecently, 0);
  if (rejected > 0) {
    return {
      state: 'healthy',
      reason: `no errors in the last ${window}; ${plural(rejected, 'malformed record')} rejected and kept${caveat}`,
      next: run('browse --rejected'),
    };
  }
  if (recordsIn === 0 && (processed === undefined || processed === 0)) {
    return {
      state: 'healthy',
      reason: `no records in the last ${window}${caveat}`,
      next: run('ingest --synthetic --count 100'),
    };
  }
  const flow = processed === undefined ? '' : `${plural(processed, 'record')} processed, `;
  return { state: 'healthy', reason: `${flow}no errors in the last ${window}${caveat}`, next: run('browse') };
}

/** The figures a healthy verdict could not check. */
function unknownFigures(figures: StatusFigures): string[] {
  const checks: [string, Known<unknown> | undefined][] = [
    ['failed batches', figures.failureDestination?.failedBatches],
    ['errors', figures.processor?.errors],
    ['lag', figures.mapping?.maxLagMs],
  ];
  return checks.filter(([, value]) => value === undefined || isUnknown(value)).map(([name]) => name);
}
