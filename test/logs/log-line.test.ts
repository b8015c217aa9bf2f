/** What a log line means (level, batch summary), the filters, and how an entry is printed: plain values. */
import { describe, expect, it } from 'vitest';
import {
  grepFilterPattern,
  type LogEvent,
  lineMeaning,
  matchesLogFilter,
  normaliseLevel,
} from '../../src/logs/log-line.js';
import { logEntryJson, logTime, renderLogEntry } from '../../src/ui/log-lines.js';
import { painter } from '../../src/ui/style.js';

const BATCH = {
  level: 'info',
  msg: 'batch',
  records: 100,
  written: 97,
  rejected: 2,
  failed: 1,
  duplicates: 0,
  requests: 4,
  retries: 0,
  durationMs: 12.4,
  shardIds: ['shardId-000000000000'],
  requestId: 'r-1',
};
const SUMMARY = {
  records: 100,
  written: 97,
  rejected: 2,
  failed: 1,
  durationMs: 12.4,
  shardIds: ['shardId-000000000000'],
  requestId: 'r-1',
};
const text = (level: string, message: string) => `2026-12-02T14:03:05.120Z\tr-1\t${level}\t${message}`;

describe('lineMeaning', () => {
  it('reads the batch summary bare, behind Lambda’s text prefix, and inside Lambda’s JSON format', () => {
    expect(lineMeaning(JSON.stringify(BATCH))).toEqual({ level: 'info', batch: SUMMARY });
    expect(lineMeaning(text('INFO', JSON.stringify(BATCH)))).toEqual({ level: 'info', batch: SUMMARY });
    const wrapped = { timestamp: '2026-12-02T14:03:05.120Z', level: 'INFO', requestId: 'r-1' };
    expect(lineMeaning(JSON.stringify({ ...wrapped, message: JSON.stringify(BATCH) }))).toEqual({
      level: 'info',
      batch: SUMMARY,
    });
    expect(lineMeaning(JSON.stringify({ ...wrapped, message: BATCH }))).toEqual({ level: 'info', batch: SUMMARY });
  });

  it('takes the more severe of Lambda’s level and the line’s own', () => {
    expect(lineMeaning(text('INFO', JSON.stringify({ ...BATCH, level: 'error' }))).level).toBe('error');
    expect(lineMeaning(text('ERROR', '{"level":"info","msg":"x"}')).level).toBe('error');
  });

  it('reads Lambda’s prefixes and platform lines, and finds no level in free text', () => {
    expect(lineMeaning(text('WARN', 'slow table'))).toEqual({ level: 'warn' });
    expect(lineMeaning(text('ERROR', 'Invoke Error {"errorType":"Error"}'))).toEqual({ level: 'error' });
    expect(lineMeaning(text('DEBUG', 'detail'))).toEqual({ level: 'debug' });
    expect(lineMeaning('START RequestId: r-1 Version: $LATEST')).toEqual({ level: 'info' });
    expect(lineMeaning('REPORT RequestId: r-1\tDuration: 3.00 ms')).toEqual({ level: 'info' });
    expect(lineMeaning('2026-12-02T14:03:05.120Z r-1 Task timed out after 3.00 seconds')).toEqual({ level: 'error' });
    expect(lineMeaning('{"time":"…","type":"platform.runtimeDone","record":{"status":"timeout"}}')).toEqual({
      level: 'error',
    });
    expect(lineMeaning('{"time":"…","type":"platform.start","record":{}}')).toEqual({ level: 'info' });
    expect(lineMeaning('an ERROR somewhere in free text')).toEqual({});
    expect(lineMeaning('{"msg":"batch","records":"many"}')).toEqual({});
    expect(lineMeaning('{not json')).toEqual({});
  });

  it('normalises level names and numbers', () => {
    expect(normaliseLevel('WARNING')).toBe('warn');
    expect(normaliseLevel('Err')).toBe('error');
    expect(normaliseLevel(40)).toBe('warn');
    expect(normaliseLevel(60)).toBe('fatal');
    expect(normaliseLevel(5)).toBeUndefined();
    expect(normaliseLevel('loud')).toBeUndefined();
  });
});

describe('filters', () => {
  const at = (message: string, timestamp = 1000): LogEvent => ({ timestamp, stream: 's', message });
  it('keeps lines at or above --level, and lines without a level', () => {
    const keep = (message: string) => matchesLogFilter(at(message), lineMeaning(message), { minLevel: 'warn' });
    expect(keep(text('WARN', 'w'))).toBe(true);
    expect(keep(text('ERROR', 'e'))).toBe(true);
    expect(keep(text('INFO', 'i'))).toBe(false);
    expect(keep('START RequestId: r-1 Version: $LATEST')).toBe(false);
    expect(keep('a bare line')).toBe(true);
  });

  it('--grep is case-sensitive and --since bounds the time', () => {
    expect(matchesLogFilter(at('Kinesis'), {}, { grep: 'Kinesis' })).toBe(true);
    expect(matchesLogFilter(at('kinesis'), {}, { grep: 'Kinesis' })).toBe(false);
    expect(matchesLogFilter(at('x', 999), {}, { sinceMs: 1000 })).toBe(false);
    expect(matchesLogFilter(at('x', 1000), {}, { sinceMs: 1000 })).toBe(true);
  });

  it('maps --grep to a quoted CloudWatch term where that is exact', () => {
    expect(grepFilterPattern('shard 7')).toBe('"shard 7"');
    expect(grepFilterPattern('say "hi"')).toBeUndefined();
    expect(grepFilterPattern('a\\b')).toBeUndefined();
    expect(grepFilterPattern(undefined)).toBeUndefined();
  });
});

describe('renderLogEntry', () => {
  const plain = painter(false);
  const now = new Date(2026, 11, 2, 15, 0, 0).getTime();
  const at = new Date(2026, 11, 2, 14, 3, 5, 120).getTime();

  it('prints a batch summary as one readable line', () => {
    const line = renderLogEntry(
      { timestamp: at, stream: 'shardId-000000000000', message: '…', batch: SUMMARY, level: 'info' },
      plain,
      now,
    );
    expect(line).toBe('14:03:05.120  batch shardId-000000000000: 100 records, 97 written, 2 rejected, 1 failed, 12 ms');
  });

  it('prints other lines as they are, a console call’s \\r as an indented line, control characters removed', () => {
    expect(renderLogEntry({ timestamp: at, stream: 's', message: 'hello\tworld' }, plain, now)).toBe(
      '14:03:05.120  hello\tworld',
    );
    expect(renderLogEntry({ timestamp: at, stream: 's', message: 'Error: x\r    at f\u001b[2J' }, plain, now)).toBe(
      '14:03:05.120  Error: x\n        at f[2J',
    );
  });

  it('prints engine.log entries as level, event and fields', () => {
    const message = '{"time":"2026-12-02T14:03:05.120Z","level":"warn","event":"function-error","shardId":"s-0"}';
    expect(renderLogEntry({ timestamp: at, stream: 'engine', message }, plain, now)).toBe(
      '14:03:05.120  WARN  function-error  {"shardId":"s-0"}',
    );
  });

  it('colours errors and warnings when asked', () => {
    const colour = painter(true);
    expect(renderLogEntry({ timestamp: at, stream: 's', message: 'bad', level: 'error' }, colour, now)).toContain(
      '\u001b[31mbad',
    );
    expect(renderLogEntry({ timestamp: at, stream: 's', message: 'meh', level: 'warn' }, colour, now)).toContain(
      '\u001b[33mmeh',
    );
  });

  it('shows the date for another day, and --json passes the raw event', () => {
    expect(logTime(at, now + 86_400_000)).toBe('2026-12-02 14:03:05.120');
    expect(
      JSON.parse(
        logEntryJson({ timestamp: Date.UTC(2026, 11, 2), stream: 's', source: 'stdout', message: 'm', level: 'info' }),
      ),
    ).toEqual({ timestamp: '2026-12-02T00:00:00.000Z', stream: 's', source: 'stdout', message: 'm' });
  });
});
