/**
 * Deploy onto a nearly full disk (issue #16, case 1): it said "socket hang up" or "Node.js v20…";
 * it must say "no space left on device" and where, exit 1, and leave no engine behind. The disk is
 * a real 3 MB tmpfs, filled to a few KB free (the sizes at which each old message appeared); that
 * needs permission to mount, so elsewhere the test is skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, requireBuilt, runCli } from '../helpers/cli.js';
import { alive, killEngines } from '../helpers/engines.js';

requireBuilt('dist/src/commands/deploy.js');

function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.error) return `mount is not available (${result.error.message})`;
  if (result.status !== 0) return `cannot mount a tmpfs here (${result.stderr.trim() || `exit ${result.status}`})`;
  return undefined;
}

let root: string;
let mountPoint: string;
let skip: string | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'streamproc-full-disk-'));
  mountPoint = join(root, 'disk');
  await mkdir(mountPoint);
  skip = mountTmpfs(mountPoint, '3m');
  if (skip) console.warn(`skipping the full-disk deploy test: ${skip}`);
});
afterAll(async () => {
  if (!skip) {
    await killEngines(join(mountPoint, 'data'));
    spawnSync('umount', [mountPoint]);
  }
  await rm(root, { recursive: true, force: true });
});

describe('deploy onto a nearly full disk', () => {
  for (const freeKb of [36, 60, 72]) {
    it(`says no space left on device and where, with ${freeKb} KB free`, async (context) => {
      if (skip) context.skip();
      // Prepare: fill the 3 MB disk to leave freeKb
      const data = join(mountPoint, 'data');
      await rm(data, { recursive: true, force: true });
      await rm(join(mountPoint, 'filler'), { force: true });
      await writeFile(join(mountPoint, 'filler'), Buffer.alloc((3072 - freeKb) * 1024));
      const dirs = { configDir: join(root, 'config'), dataDir: data };
      // Act
      const result = await runCli(['deploy'], { env: cliEnv(dirs) });
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Error: No space left on device under ${join(data, 'stacks', 'streamproc')}`);
      expect(result.stderr).not.toMatch(/socket hang up|Node\.js v/);
      expect(result.stderr).toContain('STREAMPROC_DATA_DIR');
      const state = join(data, 'stacks', 'streamproc', 'engine.json');
      if (existsSync(state)) expect(alive(JSON.parse(await readFile(state, 'utf8')).pid)).toBe(false);
    });
  }
});
