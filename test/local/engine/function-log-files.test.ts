/** The function log files: the rotating writer stays bounded, lines are stamped, cut and read back as written. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cutLine, FunctionLogFiles } from '../../../src/local/engine/function-log-files.js';
import {
  decodeFunctionLogLine,
  encodeFunctionLogLine,
  functionLogFile,
} from '../../../src/local/engine/function-log-format.js';
import { RotatingLogFile } from '../../../src/local/engine/rotating-log-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-function-logs-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('RotatingLogFile', () => {
  it('rotates at the size limit, keeps two old files and drops older lines', () => {
    // Prepare
    const file = join(dir, 'logs', 'fn.log');
    const log = new RotatingLogFile({ file, maxBytes: 100, keep: 2 });
    // Act: 50 lines of 10 bytes, 10 lines per file at most
    for (let i = 0; i < 50; i++) log.write(`line ${String(i).padStart(4, '0')}\n`);
    log.close();
    // Assess
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(100);
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(lines(file)).toEqual(Array.from({ length: 10 }, (_, k) => `line ${String(40 + k).padStart(4, '0')}`));
    expect(lines(`${file}.1`)[0]).toBe('line 0030');
    expect(lines(`${file}.2`)[0]).toBe('line 0020');
    // The newest 30 lines survive, in order, across the three files.
    const all = [...lines(`${file}.2`), ...lines(`${file}.1`), ...lines(file)];
    expect(all).toEqual(Array.from({ length: 30 }, (_, k) => `line ${String(20 + k).padStart(4, '0')}`));
  });

  it('counts what an earlier engine run left in the file toward the limit', async () => {
    const file = join(dir, 'fn.log');
    await writeFile(file, `${'x'.repeat(95)}\n`);
    const log = new RotatingLogFile({ file, maxBytes: 100, keep: 1 });
    log.write('next line\n');
    log.close();
    expect(lines(file)).toEqual(['next line']);
    expect(lines(`${file}.1`)).toEqual(['x'.repeat(95)]);
  });

  it('with keep 0 starts the file over instead of growing', () => {
    const file = join(dir, 'fn.log');
    const log = new RotatingLogFile({ file, maxBytes: 20, keep: 0 });
    for (let i = 0; i < 10; i++) log.write(`${i}23456789\n`);
    log.close();
    expect(lines(file)).toEqual(['823456789', '923456789']);
    expect(existsSync(`${file}.1`)).toBe(false);
  });

  it('creates the file owner-only', () => {
    const file = join(dir, 'deep', 'fn.log');
    const log = new RotatingLogFile({ file });
    log.write('a\n');
    log.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('function log lines', () => {
  it('round-trips a line with tabs and carriage returns, with or without a shard', () => {
    const line = {
      timestamp: Date.UTC(2026, 11, 2, 14, 3, 5, 123),
      shardId: 'shardId-000000000001',
      source: 'stdout' as const,
      message: 'a\tb\rc',
    };
    const encoded = encodeFunctionLogLine(line);
    expect(encoded).toBe('2026-12-02T14:03:05.123Z\tshardId-000000000001\tstdout\ta\tb\rc\n');
    expect(decodeFunctionLogLine(encoded.slice(0, -1))).toEqual(line);
    const { shardId: _, ...noShard } = line;
    expect(decodeFunctionLogLine(encodeFunctionLogLine(noShard).trimEnd())).toEqual(noShard);
    expect(decodeFunctionLogLine('not a log line')).toBeUndefined();
    expect(decodeFunctionLogLine('yesterday\t-\tstdout\tx')).toBeUndefined();
    expect(decodeFunctionLogLine('2026-12-02T14:03:05.123Z\t-\tsomewhere\tx')).toBeUndefined();
  });

  it('cuts a line past the limit on a character boundary and says how much went', () => {
    expect(cutLine('short', 10)).toBe('short');
    const cut = cutLine('ééééé', 5); // 10 bytes; 5 would split the third é
    expect(cut).toBe('éé …[cut 6 bytes]');
  });

  it('the sink stamps each line and keeps one file per function', () => {
    let now = Date.UTC(2026, 11, 2, 14, 0, 0);
    const files = new FunctionLogFiles({ stackRoot: dir, now: () => now++ });
    files.sink('START RequestId: r1 Version: $LATEST', {
      stream: 'platform',
      shardId: 's-0',
      functionName: 'a-DDBEventProcessor',
    });
    files.sink('hello', { stream: 'stdout', shardId: 's-0', functionName: 'a-DDBEventProcessor' });
    files.sink('other', { stream: 'stderr', functionName: 'b/../x' });
    files.close();
    const a = lines(functionLogFile(dir, 'a-DDBEventProcessor')).map(decodeFunctionLogLine);
    expect(a).toEqual([
      {
        timestamp: Date.UTC(2026, 11, 2, 14, 0, 0),
        shardId: 's-0',
        source: 'platform',
        message: 'START RequestId: r1 Version: $LATEST',
      },
      { timestamp: Date.UTC(2026, 11, 2, 14, 0, 0, 1), shardId: 's-0', source: 'stdout', message: 'hello' },
    ]);
    // A function name never escapes the logs directory.
    expect(functionLogFile(dir, 'b/../x')).toBe(join(dir, 'logs', 'b____x.log'));
    expect(lines(join(dir, 'logs', 'b____x.log'))).toHaveLength(1);
  });

  it('reports a failing write once and keeps going', async () => {
    if (process.getuid?.() === 0) {
      // root writes through permissions; a directory in the file's place fails for everyone.
      await mkdir(join(dir, 'logs', 'fn.log'), { recursive: true });
    } else {
      await mkdir(join(dir, 'logs'), { recursive: true });
      await chmod(join(dir, 'logs'), 0o500);
    }
    const errors: string[] = [];
    const files = new FunctionLogFiles({ stackRoot: dir, onError: (_error, file) => errors.push(file) });
    for (let i = 0; i < 3; i++) files.sink(`line ${i}`, { stream: 'stdout', functionName: 'fn' });
    files.close();
    expect(errors).toEqual([functionLogFile(dir, 'fn')]);
  });
});
