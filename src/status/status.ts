/** The status service: a stack's figures gathered from its target, with the verdict; once, or every few seconds. */
import type { ResolvedStack } from '../config/store.js';
import type { StatusFigures } from './figures.js';
import { type Verdict, verdictOf } from './verdict.js';

export interface StatusReport extends StatusFigures {
  verdict: Verdict;
}

export interface StatusOptions {
  stack: ResolvedStack;
  /** How far back rates, counts and percentiles look (--since). */
  windowMs: number;
  now?: () => number;
  /** Environment for the AWS target's region, profile and endpoint overrides (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface WatchOptions extends StatusOptions {
  /** Time between the starts of two gatherings. */
  intervalMs: number;
  /** Ends the watch (Ctrl-C). */
  signal: AbortSignal;
}

/** The figures on the stack's target, and the verdict on them. */
export async function pipelineStatus(options: StatusOptions): Promise<StatusReport> {
  const figures =
    options.stack.settings.target === 'aws'
      ? await (await import('./aws.js')).gatherAws(options)
      : await (await import('./local.js')).gatherLocal(options);
  return { ...figures, verdict: verdictOf(figures) };
}

/** A report now, then one every `intervalMs`, until the signal aborts. */
export async function* watchStatus(options: WatchOptions): AsyncGenerator<StatusReport> {
  while (!options.signal.aborted) {
    const started = Date.now();
    const report = await pipelineStatus(options);
    if (options.signal.aborted) return;
    yield report;
    await abortableSleep(Math.max(0, options.intervalMs - (Date.now() - started)), options.signal);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
