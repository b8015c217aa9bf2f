/**
 * The CLI's side of the engine's life: find a running engine, start one detached and wait until
 * it answers, clean up after one that died, stop one by pid.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors.js';
import { lockHolder } from '../../pid-lock.js';
import { callRoute } from '../engine/control-client.js';
import type { EnginePaths } from '../engine/paths.js';
import type { EngineStatus } from '../engine/protocol.js';
import { type EngineState, isProcessAlive, readEngineState } from '../engine/state.js';
import { diskFullError } from './disk-space.js';

/** How long deploy waits for a new engine to answer. */
export const ENGINE_START_TIMEOUT_MS = 30_000;
/** How long teardown waits after SIGTERM before SIGKILL. */
export const ENGINE_STOP_TIMEOUT_MS = 15_000;
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LiveEngine {
  state: EngineState;
  status: EngineStatus;
}

/** The running engine, if its pid is alive and its control channel answers. */
export async function findRunningEngine(paths: EnginePaths, timeoutMs = 3_000): Promise<LiveEngine | undefined> {
  const state = await readEngineState(paths.state);
  if (!state || !isProcessAlive(state.pid)) return undefined;
  try {
    const status = await callRoute(state.control, 'GET /status', undefined, timeoutMs);
    return { state, status };
  } catch {
    return undefined;
  }
}

/** Removes the state file and lock of an engine that is gone; returns its pid if there was one. */
export async function clearStaleEngine(paths: EnginePaths): Promise<number | undefined> {
  const state = await readEngineState(paths.state);
  const holder = await lockHolder(paths.lock);
  const pid = state?.pid ?? holder;
  if (holder !== undefined && isProcessAlive(holder)) return undefined;
  if (state && isProcessAlive(state.pid)) return undefined;
  await rm(paths.state, { force: true });
  await rm(paths.lock, { force: true });
  return pid;
}

function engineEntry(): string[] {
  const built = fileURLToPath(new URL('../engine/main.js', import.meta.url));
  if (existsSync(built)) return [built];
  // Running from source (vitest, tsx): the entry is TypeScript.
  return ['--import', 'tsx', fileURLToPath(new URL('../engine/main.ts', import.meta.url))];
}

export async function logTail(file: string, lines = 5): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function lastError(tail: string): string | undefined {
  for (const line of tail.split('\n').reverse()) {
    try {
      const event = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      if (event.level === 'error') return [event.msg, event.error?.split('\n')[0]].filter(Boolean).join(': ');
    } catch {
      // A crash's stderr ends with "Node.js v20…" under the stack trace: the error is the line that says so.
      if (/^\s*(\w*Error|Error)\b/.test(line)) return line.trim();
    }
  }
  return undefined;
}

/**
 * What the daemon inherits from the shell: only what Node.js and the engine need. A user's shell
 * holds X tokens (`TWITTER_*`), AWS keys and whatever else; a long-lived background process has
 * no use for them and must not carry them (they would show in /proc/<pid>/environ).
 */
const ENGINE_ENV = [
  'PATH',
  'HOME',
  'TMPDIR',
  'LANG',
  'LC_ALL',
  'TZ',
  'DEBUG',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  'STREAMPROC_ENGINE_FUNCTION_ENV',
];

export function engineEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const name of ENGINE_ENV) if (env[name] !== undefined) kept[name] = env[name];
  return kept;
}

export interface StartEngineOptions {
  stack: string;
  region: string;
  paths: EnginePaths;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Starts the engine detached, logging to the stack's log file, and waits until it answers. */
export async function launchEngine(options: StartEngineOptions): Promise<LiveEngine> {
  const { paths } = options;
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  const size = await stat(paths.log).then(
    (s) => s.size,
    () => 0,
  );
  if (size > LOG_ROTATE_BYTES) await rename(paths.log, `${paths.log}.1`);
  const logHandle = await open(paths.log, 'a', 0o600);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let pid: number | undefined;
  try {
    const child = spawn(
      process.execPath,
      [...engineEntry(), '--stack', options.stack, '--data-dir', paths.root, '--region', options.region],
      {
        detached: true,
        stdio: ['ignore', logHandle.fd, logHandle.fd],
        env: engineEnvironment(options.env ?? process.env),
      },
    );
    pid = child.pid;
    child.on('exit', (code, signal) => {
      exit = { code, signal };
    });
    child.on('error', () => {
      exit = { code: -1, signal: null };
    });
    child.unref();
  } finally {
    await logHandle.close();
  }
  const deadline = Date.now() + (options.timeoutMs ?? ENGINE_START_TIMEOUT_MS);
  while (Date.now() < deadline) {
    if (exit) {
      const tail = await logTail(paths.log, 20);
      const full = diskFullError(paths.root, tail);
      if (full) throw full;
      const holder = /already running, pid (\d+)/.exec(tail);
      if (holder) {
        throw new UserError(`The local engine for stack ${options.stack} is already running, pid ${holder[1]}`, {
          hint: `It does not answer on its control channel; stop it with \`streamproc teardown\` (or kill ${holder[1]}).`,
          code: 'ENGINE_RUNNING',
        });
      }
      throw new UserError(
        `The local engine exited while starting (${exit.signal ?? `code ${exit.code}`}): ${lastError(tail) ?? 'no error logged'}`,
        { hint: `See the engine log: ${paths.log}`, code: 'ENGINE_START_FAILED' },
      );
    }
    const state = await readEngineState(paths.state);
    if (state && state.pid === pid) {
      try {
        const status = await callRoute(state.control, 'GET /status', undefined, 2_000);
        return { state, status };
      } catch {
        // Not listening yet.
      }
    }
    await sleep(40);
  }
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  throw new UserError(
    `The local engine did not become ready within ${Math.round((options.timeoutMs ?? ENGINE_START_TIMEOUT_MS) / 1000)} s`,
    { hint: `See the engine log: ${paths.log}`, code: 'ENGINE_START_TIMEOUT' },
  );
}

export interface StopResult {
  pid?: number;
  /** How it ended: SIGTERM honoured, SIGKILL needed, or nothing was running. */
  how: 'stopped' | 'killed' | 'not-running';
}

/** Stops the stack's engine by pid: SIGTERM, wait, then SIGKILL. Removes a stale state and lock. */
export async function stopEngine(paths: EnginePaths, timeoutMs = ENGINE_STOP_TIMEOUT_MS): Promise<StopResult> {
  const state = await readEngineState(paths.state);
  const holder = await lockHolder(paths.lock);
  const pid = [state?.pid, holder].find((p): p is number => p !== undefined && isProcessAlive(p));
  if (pid === undefined) {
    await clearStaleEngine(paths);
    return { how: 'not-running' };
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Gone between the check and the signal.
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) {
      await clearStaleEngine(paths);
      return { pid, how: 'stopped' };
    }
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone.
  }
  for (let i = 0; i < 100 && isProcessAlive(pid); i += 1) await sleep(50);
  await clearStaleEngine(paths);
  return { pid, how: 'killed' };
}
