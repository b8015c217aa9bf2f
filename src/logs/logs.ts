/** The logs service: the processor's log lines from either target, secrets scrubbed, filtered, each with its meaning. */
import { scrubSecrets, secretValues } from '../config/redact.js';
import type { Target } from '../config/settings.js';
import type { ResolvedStack } from '../config/store.js';
import { UsageError } from '../errors.js';
import {
  grepFilterPattern,
  type LogEntry,
  type LogEvent,
  type LogLevel,
  lineMeaning,
  matchesLogFilter,
} from './log-line.js';

export interface LogsOptions {
  stack: ResolvedStack;
  /** Local target only: the engine's own log instead of the function's. */
  engine?: boolean;
  /** The second consumer's log (`deploy --consumer`) instead of the processor's. */
  consumer?: boolean;
  /** Epoch ms; lines before it are not shown. */
  sinceMs: number;
  /** Only lines containing this text (case-sensitive). */
  grep?: string;
  /** Only lines at this level or above (lines that state no level are kept). */
  minLevel?: LogLevel;
  /** Keep reading new lines until `signal` aborts. */
  follow?: boolean;
  signal: AbortSignal;
  /** How often a follow looks for new lines; default 250 ms locally, 2 s on AWS. */
  pollMs?: number;
}

export interface StackLogs {
  target: Target;
  /** What is read: a file path (local) or a log group and region (aws). */
  source: string;
  /** Matching entries, oldest first; following, they go on until the signal aborts. */
  entries: AsyncGenerator<LogEntry>;
}

/**
 * Opens a stack's processor logs: the local engine's function log file (or engine.log with
 * `engine`), or the function's CloudWatch log group. Like `targetFor`, the implementation is
 * loaded lazily: the aws one pulls in the CloudWatch Logs SDK client. Logs are not part of the
 * StackTarget interface on purpose: reading them needs no running engine and no deployed stack
 * state beyond a name.
 */
export async function openStackLogs(options: LogsOptions): Promise<StackLogs> {
  const { stack } = options;
  const target: Target = stack.settings.target === 'aws' ? 'aws' : 'local';
  let source: string;
  let events: AsyncGenerator<LogEvent>;
  if (target === 'aws') {
    if (options.engine) {
      throw new UsageError(`--engine reads the local engine's log, and stack ${stack.name} runs on aws`, {
        hint: 'Leave out --engine to read the function’s CloudWatch log group.',
      });
    }
    const { awsLogs } = await import('./aws-log-source.js');
    const logs = await awsLogs({
      stack,
      consumer: options.consumer,
      sinceMs: options.sinceMs,
      filterPattern: grepFilterPattern(options.grep),
      follow: options.follow,
      signal: options.signal,
      pollMs: options.pollMs,
    });
    source = `${logs.logGroupName} (${logs.region})`;
    events = logs.events;
  } else {
    const { localLogs } = await import('./local-log-source.js');
    const logs = await localLogs({
      stack: stack.name,
      engine: options.engine,
      consumer: options.consumer,
      follow: options.follow,
      signal: options.signal,
      pollMs: options.pollMs,
    });
    source = logs.file;
    events = logs.events;
  }
  return { target, source, entries: filtered(events, options) };
}

async function* filtered(events: AsyncGenerator<LogEvent>, options: LogsOptions): AsyncGenerator<LogEntry> {
  const secrets = secretValues(options.stack.settings);
  const filter = { sinceMs: options.sinceMs, grep: options.grep, minLevel: options.minLevel };
  for await (const event of events) {
    // Scrubbed before matching, so --grep cannot find a token the output would not show.
    const message = secrets.length > 0 ? scrubSecrets(event.message, secrets) : event.message;
    const entry = { ...event, message };
    const meaning = lineMeaning(message);
    if (!matchesLogFilter(entry, meaning, filter)) continue;
    yield { ...entry, ...meaning };
  }
}
