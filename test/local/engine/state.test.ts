/** The engine's lock (one engine per data directory), its liveness check and its 0600 state file. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireEngineLock,
  EngineAlreadyRunningError,
  isProcessAlive,
  readEngineState,
  releaseEngineLock,
  writeEngineState,
} from '../../../src/local/engine/state.js';

let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engine-state-'));
});
afterEach(async () => {
  if (child?.pid) process.kill(child.pid, 'SIGKILL');
  child = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A live process whose command line looks like an engine's. */
async function fakeEngine(): Promise<number> {
  child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'engine/main.js'], { stdio: 'ignore' });
  await new Promise((r) => child?.once('spawn', r));
  return child.pid as number;
}

describe('engine lock', () => {
  it('is taken by the first engine and refused to a second with the holder pid', async () => {
    // Prepare
    const lock = join(dir, 'engine.lock');
    const pid = await fakeEngine();
    await acquireEngineLock(lock, 'demo', pid);
    // Act
    const second = acquireEngineLock(lock, 'demo', process.pid);
    // Assess
    await expect(second).rejects.toBeInstanceOf(EngineAlreadyRunningError);
    await expect(second).rejects.toThrow(`already running, pid ${pid}`);
  });

  it('is taken over from a dead holder', async () => {
    const lock = join(dir, 'engine.lock');
    await writeFile(lock, '999999999\n');
    await acquireEngineLock(lock, 'demo');
    expect((await readFile(lock, 'utf8')).trim()).toBe(String(process.pid));
  });

  it('refuses a second engine inside the same process and is released only by its holder', async () => {
    const lock = join(dir, 'engine.lock');
    await acquireEngineLock(lock, 'demo');
    await expect(acquireEngineLock(lock, 'demo')).rejects.toThrow(/already running/);
    await releaseEngineLock(lock, 12345);
    expect((await readFile(lock, 'utf8')).trim()).toBe(String(process.pid));
    await releaseEngineLock(lock);
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });
});

describe('isProcessAlive', () => {
  it('tells a live engine from a dead pid and from a live process that is not an engine', async () => {
    const pid = await fakeEngine();
    expect(isProcessAlive(pid)).toBe(true);
    expect(isProcessAlive(999999999)).toBe(false);
    if (process.platform === 'linux') expect(isProcessAlive(process.pid)).toBe(false);
  });
});

describe('state file', () => {
  it('is written atomically with mode 0600 and read back', async () => {
    // Prepare
    const file = join(dir, 'engine.json');
    const state = {
      version: 1 as const,
      stack: 'demo',
      pid: 1,
      startedAt: 'now',
      region: 'us-east-1',
      dataDir: dir,
      logFile: join(dir, 'engine.log'),
      endpoints: { kinesis: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:2' },
      control: { port: 3, token: 'secret' },
      versions: {},
    };
    // Act
    await writeEngineState(file, state);
    // Assess
    expect(await readEngineState(file)).toEqual(state);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('reads a missing or torn file as absent', async () => {
    expect(await readEngineState(join(dir, 'missing.json'))).toBeUndefined();
    await writeFile(join(dir, 'torn.json'), '{"version":');
    expect(await readEngineState(join(dir, 'torn.json'))).toBeUndefined();
  });
});
