/** What one log line says: its level, and the processor's per-batch summary when it is one (pure). */

/** One log event as either target stores it: CloudWatch's event, or a line of the local function log file. */
export interface LogEvent {
  /** Epoch ms: when the line was received (CloudWatch's event timestamp; the engine's receive time). */
  timestamp: number;
  /** The log stream (AWS) or the shard whose execution environment printed it (local); `engine` for engine.log. */
  stream: string;
  /** Locally: `stdout`, `stderr` or `platform` (START/END/REPORT and timeouts). */
  source?: string;
  /** The line as printed. */
  message: string;
  /** CloudWatch's event id (AWS only). */
  eventId?: string;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The processor's one-JSON-line-per-batch summary (lambda/processor/handler.ts). */
export interface BatchSummary {
  records: number;
  written: number;
  rejected: number;
  failed: number;
  durationMs: number;
  shardIds: string[];
  requestId?: string;
}

export interface LineMeaning {
  /** Undefined when the line states none (a bare `process.stdout.write`, a stack trace line). */
  level?: LogLevel;
  batch?: BatchSummary;
}

/** A log event as `logs` prints it: the message with secrets scrubbed, and what it means. */
export interface LogEntry extends LogEvent, LineMeaning {}

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

/** Lambda's Node.js runtime, text format: `<ISO time>\t<request id>\t<LEVEL>\t<message>`. */
const LAMBDA_TEXT = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[^\t]*\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t([\s\S]*)$/;
/** Platform lines Lambda writes between the function's own. */
const PLATFORM = /^(START|END|REPORT|INIT_START|INIT_REPORT|EXTENSION|TELEMETRY) /;
const TIMED_OUT = /Task timed out after [\d.]+ seconds/;

/** A level name or number as loggers write it (`WARNING`, `err`, pino's 40), or undefined. */
export function normaliseLevel(value: unknown): LogLevel | undefined {
  if (typeof value === 'number') {
    // pino / bunyan: 10 trace … 60 fatal.
    const index = Math.floor(value / 10) - 1;
    return index >= 0 && index < LOG_LEVELS.length ? LOG_LEVELS[index] : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const name = value.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(name)) return name as LogLevel;
  if (name === 'warning') return 'warn';
  if (name === 'err') return 'error';
  if (name === 'critical' || name === 'crit') return 'fatal';
  return undefined;
}

/** The more severe of two levels (either may be missing). */
function severer(a: LogLevel | undefined, b: LogLevel | undefined): LogLevel | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function batchOf(object: Record<string, unknown>): BatchSummary | undefined {
  if (object.msg !== 'batch') return undefined;
  const records = count(object.records);
  if (records === undefined) return undefined;
  return {
    records,
    written: count(object.written) ?? 0,
    rejected: count(object.rejected) ?? 0,
    failed: count(object.failed) ?? 0,
    durationMs: count(object.durationMs) ?? 0,
    shardIds: Array.isArray(object.shardIds) ? object.shardIds.filter((s): s is string => typeof s === 'string') : [],
    ...(typeof object.requestId === 'string' ? { requestId: object.requestId } : {}),
  };
}

/**
 * What a line says, in the shapes the processor's lines take: a bare JSON line (the local engine
 * before Lambda's prefix, or any JSON logger), Lambda's text format (`…\tINFO\t{"level":"error",…}`,
 * where the more severe of the two levels counts), Lambda's JSON format (`{"level":"INFO",
 * "message": "<the line>" or {…}}`), and Lambda's platform lines (START/END/REPORT are info, a
 * timeout is an error). `WARN`/`ERROR` as Lambda's prefix is a level; words inside free text are not.
 */
export function lineMeaning(message: string): LineMeaning {
  let level: LogLevel | undefined;
  let body = message;
  const text = LAMBDA_TEXT.exec(message);
  if (text) {
    level = normaliseLevel(text[1]);
    body = text[2] as string;
  }
  if (TIMED_OUT.test(body)) return { level: 'error' };
  if (PLATFORM.test(body)) return { level: severer(level, 'info') };
  let object = parseObject(body);
  if (object && typeof object.type === 'string' && object.type.startsWith('platform.')) {
    // platform.runtimeDone says how the invocation ended: `success`, `failure`, `error`, `timeout`.
    const status = (object.record as { status?: unknown } | undefined)?.status;
    return { level: typeof status === 'string' && status !== 'success' ? 'error' : 'info' };
  }
  if (object) {
    level = severer(level, normaliseLevel(object.level));
    // Lambda's JSON format wraps the line: its message is the processor's JSON, as text or parsed.
    const inner =
      typeof object.message === 'string'
        ? parseObject(object.message)
        : object.message !== null && typeof object.message === 'object' && !Array.isArray(object.message)
          ? (object.message as Record<string, unknown>)
          : undefined;
    if (inner) {
      level = severer(level, normaliseLevel(inner.level));
      object = inner;
    }
  }
  const batch = object ? batchOf(object) : undefined;
  return { ...(level ? { level } : {}), ...(batch ? { batch } : {}) };
}

/** What `logs` keeps: `--grep` (case-sensitive, as CloudWatch matches) and `--level` (lines with a level). */
export interface LogFilter {
  grep?: string;
  minLevel?: LogLevel;
  sinceMs?: number;
}

/** Whether an event passes the filter; a line that states no level passes any `minLevel`. */
export function matchesLogFilter(event: LogEvent, meaning: LineMeaning, filter: LogFilter): boolean {
  if (filter.sinceMs !== undefined && event.timestamp < filter.sinceMs) return false;
  if (filter.grep !== undefined && !event.message.includes(filter.grep)) return false;
  if (filter.minLevel !== undefined && meaning.level !== undefined && RANK[meaning.level] < RANK[filter.minLevel])
    return false;
  return true;
}

/**
 * The CloudWatch filter pattern that does `--grep`'s work on the server: a quoted term matches
 * the exact text, case-sensitively. Text holding a quote or backslash has no safe quoted form and
 * is matched here only (undefined).
 */
export function grepFilterPattern(grep: string | undefined): string | undefined {
  if (grep === undefined || grep === '' || /["\\]/.test(grep)) return undefined;
  return `"${grep}"`;
}
