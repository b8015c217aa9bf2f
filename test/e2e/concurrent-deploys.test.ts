/** Three deploys of one stack at once: one starts the engine, the others wait for it and find it running. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDirs } from '../helpers/cli.js';
import { killEngines } from '../helpers/engines.js';

let dirs: Awaited<ReturnType<typeof tempDirs>>;
beforeAll(async () => {
  dirs = await tempDirs('streamproc-concurrent-');
});
afterAll(async () => {
  await killEngines(dirs.dataDir);
  await dirs.cleanup();
});

describe('concurrent deploys of one stack', () => {
  it('all succeed: one starts the engine, the others wait for it and find it running', async () => {
    // Act
    const results = await Promise.all(
      Array.from({ length: 3 }, () => runCli(['deploy', '--json'], { env: dirs.env(), timeoutMs: 120_000 })),
    );
    // Assess
    // A failure shows what the deploy said, not only its exit code.
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const statuses = results.map((r) => (JSON.parse(r.stdout) as { status: string }).status).sort();
    expect(statuses).toEqual(['created', 'unchanged', 'unchanged']);
    const pids = new Set(
      results.map((r) => (JSON.parse(r.stdout) as { details: { engine: { pid: number } } }).details.engine.pid),
    );
    expect(pids.size).toBe(1);
    const state = JSON.parse(await readFile(join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json'), 'utf8'));
    expect(pids).toEqual(new Set([state.pid]));
    expect(results.some((r) => r.stderr.includes('does not answer'))).toBe(false);
  }, 150_000);

  it('says the engine runs but its state file is unreadable, rather than "not running"', async () => {
    // Prepare: the engine from the test above keeps running; its state file is hand-broken
    const file = join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json');
    const saved = await readFile(file, 'utf8');
    const { pid } = JSON.parse(saved) as { pid: number };
    await writeFile(file, '{ garbage');
    try {
      // Act
      const result = await runCli(['browse'], { env: dirs.env() });
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `The local engine for stack streamproc is running (pid ${pid}), but its state file`,
      );
      expect(result.stderr).toContain('is missing or unreadable');
      expect(result.stderr).toContain(`kill ${pid}`);
    } finally {
      await writeFile(file, saved);
    }
  });
});
