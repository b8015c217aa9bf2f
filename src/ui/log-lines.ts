/** How `streamproc logs` prints an entry: the processor's batch summaries as readable lines, other lines as they are. */
import type { LogEntry } from '../logs/log-line.js';
import type { Paint } from './style.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time, `HH:MM:SS.mmm`; with the date in front when it is not `now`'s day. */
export function logTime(timestamp: number, now: number): string {
  const at = new Date(timestamp);
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
  return at.toDateString() === new Date(now).toDateString()
    ? time
    : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
}

// Control characters other than tab would move the cursor or recolour the terminal; `\r` is how
// Lambda's runtime keeps one console call (a stack trace) in one event: a new line, indented.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes
const CONTROL = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f]/g;
function printable(message: string): string {
  return message.replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(/\n/g, '\n    ');
}

/** An engine.log entry: `LEVEL what  {the other fields}` (the engine says `msg`, the mapping runner `event`). */
function engineLine(message: string): string | undefined {
  try {
    const { time: _time, level, msg, event, ...rest } = JSON.parse(message) as Record<string, unknown>;
    const what = typeof msg === 'string' ? msg : typeof event === 'string' ? event : undefined;
    if (what === undefined) return undefined;
    const fields = Object.keys(rest).length > 0 ? `  ${JSON.stringify(rest)}` : '';
    const name = String(level ?? 'info').toUpperCase();
    return `${name.padEnd(5)} ${what}${fields}`;
  } catch {
    return undefined;
  }
}

/**
 * One entry as a line (more lines only where the message itself had several):
 *   21:13:05.120  batch shardId-000000000000: 100 records, 98 written, 2 rejected, 0 failed, 12 ms
 *   21:13:05.121  2026-12-02T21:13:05.121Z	<request id>	INFO	processed 3 records
 * Errors are red and warnings yellow when `paint` colours.
 */
export function renderLogEntry(entry: LogEntry, paint: Paint, now: number): string {
  const time = paint.gray(logTime(entry.timestamp, now));
  let text: string;
  if (entry.batch) {
    const b = entry.batch;
    const shards = b.shardIds.length > 0 ? b.shardIds.join(',') : entry.stream;
    const failed = `${b.failed} failed`;
    const rejected = `${b.rejected} rejected`;
    text =
      `batch ${shards}: ${b.records} record${b.records === 1 ? '' : 's'}, ${b.written} written, ` +
      `${b.rejected > 0 ? paint.yellow(rejected) : rejected}, ${b.failed > 0 ? paint.red(failed) : failed}, ` +
      `${Math.round(b.durationMs)} ms`;
  } else {
    text = printable((entry.stream === 'engine' && engineLine(entry.message)) || entry.message);
    if (entry.level === 'error' || entry.level === 'fatal') text = paint.red(text);
    else if (entry.level === 'warn') text = paint.yellow(text);
  }
  return `${time}  ${text}`;
}

/** `--json`: the raw event, one object per line. */
export function logEntryJson(entry: LogEntry): string {
  return JSON.stringify({
    timestamp: new Date(entry.timestamp).toISOString(),
    stream: entry.stream,
    ...(entry.source ? { source: entry.source } : {}),
    message: entry.message,
    ...(entry.eventId ? { eventId: entry.eventId } : {}),
  });
}
