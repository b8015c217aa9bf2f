/**
 * The engine's state file (`engine.json`, mode 0600: it holds the control token) and its lock
 * (`engine.lock`). Two engines on one LevelDB directory crash, so the lock is taken before the
 * emulators open their data; a lock whose pid is gone (kill -9, reboot) is stale and replaced.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../atomic-file.js';
import { UserError } from '../../errors.js';
import { lockHolder, releasePidLock, removeStaleLock, tryCreatePidLock } from '../../pid-lock.js';

export interface EngineState {
  version: 1;
  stack: string;
  pid: number;
  startedAt: string;
  region: string;
  dataDir: string;
  logFile: string;
  endpoints: { kinesis: string; dynamodb: string };
  control: { port: number; token: string };
  versions: Record<string, string>;
  /** SHA-256 of the processor bundle the mapping runs, once one is loaded. */
  bundleSha?: string;
}

/** Whether `pid` is a live process (a zombie or a recycled pid of another program is not). */
export function isProcessAlive(pid: number, expect = 'engine/main.'): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    // Orphaned engines may be re-parented to a PID 1 that never reaps: a zombie is dead.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    // After a reboot the pid may belong to something else entirely.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(expect);
  } catch {
    return false;
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    // A torn or hand-edited file: treat as absent; the engine rewrites it.
    return undefined;
  }
}

export const writeEngineState = (file: string, state: EngineState) => writeJsonAtomic(file, state);
export const readEngineState = (file: string) => readJson<EngineState>(file);

/** Thrown when another live engine holds the stack's lock. */
export class EngineAlreadyRunningError extends UserError {
  constructor(
    readonly stack: string,
    readonly pid: number,
  ) {
    super(`The local engine for stack ${stack} is already running, pid ${pid}`, {
      hint: 'Use the running engine (`streamproc deploy` updates it), or stop it with `streamproc teardown`.',
      code: 'ENGINE_RUNNING',
    });
  }
}

/**
 * Takes the engine lock for this process: creates the file (whole, with the pid) if absent; a lock
 * held by a dead process is removed and taken over; a live holder makes it throw
 * EngineAlreadyRunningError.
 */
export async function acquireEngineLock(file: string, stack: string, pid = process.pid): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    if (await tryCreatePidLock(file, pid)) return;
    const holder = await lockHolder(file);
    // The same process counts as running too: a second engine in one process would open LevelDB twice.
    if (holder !== undefined && (holder === pid || isProcessAlive(holder)))
      throw new EngineAlreadyRunningError(stack, holder);
    await removeStaleLock(file, (now) => now === undefined || (now !== pid && !isProcessAlive(now)));
  }
  throw new Error(`could not take the engine lock ${file}`);
}

/** Removes the lock if this process holds it. */
export const releaseEngineLock = releasePidLock;
