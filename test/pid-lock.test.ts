/**
 * Lock files naming their holder: processes racing for one never hold it together. The race that
 * broke concurrent deploys: a holder created the file and had not yet written its pid; a rival read
 * an empty file, judged it stale, deleted it and took the lock too.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockHolder, releasePidLock, removeStaleLock, tryCreatePidLock } from '../src/pid-lock.js';
import { ROOT, requireBuilt } from './helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-pid-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process that takes the deploy lock `rounds` times and, holding it, checks it is alone. */
function racer(lockDir: string, rounds: number): Promise<{ code: number | null; stderr: string }> {
  const module = pathToFileURL(join(ROOT, 'dist', 'src', 'local', 'target', 'deploy-lock.js')).href;
  const script = `
    import { withDeployLock } from ${JSON.stringify(module)};
    import { mkdir, rmdir } from 'node:fs/promises';
    const reporter = { warn() {}, info() {}, step: (_t, f) => f() };
    const paths = { root: ${JSON.stringify(lockDir)} };
    for (let i = 0; i < ${rounds}; i += 1) {
      await withDeployLock('race', paths, reporter, async () => {
        await mkdir(paths.root + '/inside');   // EEXIST if another process holds the lock too
        await new Promise((r) => setImmediate(r));
        await rmdir(paths.root + '/inside');
      });
    }`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('pid lock files', () => {
  it('never lets two racing processes hold the deploy lock at once', async () => {
    requireBuilt('dist/src/local/target/deploy-lock.js');
    // Act
    const results = await Promise.all(Array.from({ length: 6 }, () => racer(dir, 150)));
    // Assess
    expect(results.map((r) => r.stderr.split('\n')[0])).toEqual(Array(6).fill(''));
    expect(results.map((r) => r.code)).toEqual(Array(6).fill(0));
  }, 60_000);

  it('is created whole, refuses a second holder, and is released only by its holder', async () => {
    const file = join(dir, 'x.lock');
    expect(await tryCreatePidLock(file, 111)).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('111\n');
    expect(await tryCreatePidLock(file, 222)).toBe(false);
    await releasePidLock(file, 222);
    expect(await lockHolder(file)).toBe(111);
    await releasePidLock(file, 111);
    expect(await lockHolder(file)).toBeUndefined();
  });

  it('breaks a stale lock only if it still looks stale, one breaker at a time', async () => {
    const file = join(dir, 'x.lock');
    const deadIs111 = (holder: number | undefined) => holder === undefined || holder === 111;
    // Prepare: judged stale for pid 111, but a new holder (222) took it meanwhile
    await writeFile(file, '222\n');
    // Act / Assess: the new holder keeps it
    expect(await removeStaleLock(file, deadIs111)).toBe(true);
    expect(await lockHolder(file)).toBe(222);
    // A file without a pid is debris (locks are created whole): broken
    await writeFile(file, '');
    expect(await removeStaleLock(file, deadIs111)).toBe(true);
    expect(existsSync(file)).toBe(false);
    // Someone else breaking it now: not this caller's turn
    await writeFile(file, '111\n');
    await writeFile(`${file}.break`, `${process.pid}\n`);
    expect(await removeStaleLock(file, deadIs111)).toBe(false);
    expect(await lockHolder(file)).toBe(111);
    await rm(`${file}.break`);
    expect(await removeStaleLock(file, deadIs111)).toBe(true);
    expect(existsSync(file)).toBe(false);
    // A lock already gone is fine
    expect(await removeStaleLock(file, deadIs111)).toBe(true);
  });
});
