/** Where given-up records go: one default for `ingest` and the demo, and a --given-up-file checked before reading. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGivenUpPath, GivenUpFile, givenUpFilePath } from '../../src/ingest/given-up-file.js';

const env = { STREAMPROC_DATA_DIR: '/data' };

describe('given-up file path', () => {
  it("defaults to a file named by the run's start time under the stack's data directory", () => {
    const path = givenUpFilePath('demo', { now: new Date('2026-12-02T10:00:00.123Z'), env });
    expect(path).toBe('/data/stacks/demo/ingest/given-up-2026-12-02T10-00-00-123Z.ndjson');
  });

  it('names the file after the run when the caller names it (the demo: its seed)', () => {
    expect(givenUpFilePath('streamproc', { run: 'demo-7', env })).toBe(
      '/data/stacks/streamproc/ingest/given-up-demo-7.ndjson',
    );
  });
});

describe('checkGivenUpPath', () => {
  it('refuses a directory, an unwritable place and the replayed file itself, before anything is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamproc-given-up-'));
    try {
      const input = join(dir, 'input.ndjson');
      await writeFile(input, '{}\n');
      const reason = (path: string, replayed?: string) =>
        checkGivenUpPath(path, replayed).then(
          () => 'ok',
          (error: { message: string; exit: number }) => `${error.exit}: ${error.message}`,
        );
      expect(await reason(dir)).toBe(`2: --given-up-file ${dir} is a directory`);
      expect(await reason('/proc/nope/x')).toBe('2: --given-up-file /proc/nope/x cannot be written (ENOENT)');
      expect(await reason(input, input)).toBe(`2: --given-up-file ${input} is the file being replayed`);
      expect(await reason(join(dir, 'new', 'given-up.ndjson'))).toBe('ok');
      expect(await reason(input, '-')).toBe('ok');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('GivenUpFile', () => {
  it('does not re-create a stack directory a teardown removed mid-run: it writes to the current directory', async () => {
    // Prepare: the default path under a stack directory that existed when the run started
    const dir = await mkdtemp(join(tmpdir(), 'streamproc-given-up-'));
    const stackDir = join(dir, 'stacks', 'demo');
    await mkdir(stackDir, { recursive: true });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const file = new GivenUpFile(join(stackDir, 'ingest', 'given-up-run.ndjson'), stackDir);
      await rm(stackDir, { recursive: true });
      // Act
      file.append([
        { id: '1', data: Buffer.from('{"id":"1"}'), partitionKey: 'p', size: 11, firstTriedAt: 0, attempts: 1 },
      ]);
      // Assess
      expect(existsSync(stackDir)).toBe(false);
      expect(file.pathIfWritten).toBe(join(await realpath(dir), 'given-up-run.ndjson'));
      expect(await readFile(file.path, 'utf8')).toBe('{"id":"1"}\n');
    } finally {
      process.chdir(cwd);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on a full disk counts the records as unsaved, says why, and keeps the file to whole lines', async () => {
    // /dev/full answers every write with ENOSPC.
    const file = new GivenUpFile('/dev/full');
    file.append([
      { id: '1', data: Buffer.from('{"id":"1"}'), partitionKey: 'p', size: 11, firstTriedAt: 0, attempts: 1 },
    ]);
    expect(file.count).toBe(0);
    expect(file.unsaved).toBe(1);
    expect(file.pathIfWritten).toBeNull();
    expect(file.failure).toBe('no space left on device (ENOSPC) writing /dev/full');
  });
});
