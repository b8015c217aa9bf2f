/** tailFile: the rotated files then the live one, and following across a rotation, a truncation and a late file. */
import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingLogFile } from '../../src/local/engine/rotating-log-file.js';
import { tailFile } from '../../src/logs/file-tail.js';

let dir: string;
let stop: AbortController;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-tail-'));
  stop = new AbortController();
});

afterEach(async () => {
  stop.abort();
  await rm(dir, { recursive: true, force: true });
});

/** The next `count` lines a following tail yields (it yields them as they are written: no sleeping). */
async function take(lines: AsyncGenerator<string>, count: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const next = await lines.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const numbered = (from: number, count: number) =>
  Array.from({ length: count }, (_, k) => `line ${String(from + k).padStart(4, '0')}`);

describe('tailFile', () => {
  it('reads the rotated files oldest first, then the live file, including an unfinished last line', async () => {
    const file = join(dir, 'fn.log');
    await writeFile(`${file}.2`, 'a\nb\n');
    await writeFile(`${file}.1`, 'c\n');
    await writeFile(file, 'd\ne');
    const lines: string[] = [];
    for await (const line of tailFile({ file, rotated: [`${file}.2`, `${file}.1`], signal: stop.signal }))
      lines.push(line);
    expect(lines).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reads nothing, without failing, when no file exists yet', async () => {
    const lines: string[] = [];
    for await (const line of tailFile({ file: join(dir, 'none.log'), signal: stop.signal })) lines.push(line);
    expect(lines).toEqual([]);
  });

  it('follows appends and rotations without losing or repeating a line', async () => {
    // Prepare: a writer rotating every 10 lines, and a tail started on its first lines
    const file = join(dir, 'logs', 'fn.log');
    const writer = new RotatingLogFile({ file, maxBytes: 100, keep: 2 });
    for (const line of numbered(0, 5)) writer.write(`${line}\n`);
    const lines = tailFile({
      file,
      rotated: [`${file}.2`, `${file}.1`],
      follow: true,
      signal: stop.signal,
      pollMs: 10,
    });
    expect(await take(lines, 5)).toEqual(numbered(0, 5));
    // Act and assess: each step writes past a rotation
    for (let step = 0; step < 4; step++) {
      const from = 5 + step * 8;
      for (const line of numbered(from, 8)) writer.write(`${line}\n`);
      expect(await take(lines, 8)).toEqual(numbered(from, 8));
    }
    writer.close();
    stop.abort();
    expect(await take(lines, 1)).toEqual([]);
  });

  it('waits for a file that does not exist yet, and rereads one cut shorter', async () => {
    const file = join(dir, 'late.log');
    const lines = tailFile({ file, follow: true, signal: stop.signal, pollMs: 10 });
    const first = take(lines, 2);
    await writeFile(file, 'one\ntwo\n');
    expect(await first).toEqual(['one', 'two']);
    await truncate(file, 0);
    // Written after the cut: the tail notices the size fell below what it read and starts over.
    const again = take(lines, 1);
    await appendFile(file, 'x\n');
    expect(await again).toEqual(['x']);
  });

  it('hands out a line that never ends in bounded pieces', async () => {
    const file = join(dir, 'long.log');
    await writeFile(file, 'y'.repeat(25));
    const lines: string[] = [];
    for await (const line of tailFile({ file, signal: stop.signal, maxLineChars: 10 })) lines.push(line);
    expect(lines).toEqual(['y'.repeat(10), 'y'.repeat(10), 'y'.repeat(5)]);
  });
});
