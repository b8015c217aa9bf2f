/** The built CLI (bin/run.js → dist/) as a child process, its environment, and temporary directories. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, from this file's place in test/helpers. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'run.js');

/**
 * Fails, never skips, when build output a test needs is missing: a test that quietly skips
 * without dist/ passes on a machine where nothing was checked. Paths are relative to ROOT.
 */
export function requireBuilt(...paths: string[]): void {
  const missing = paths.filter((path) => !existsSync(resolve(ROOT, path)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run \`npm run build\` first`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; stdin is never a TTY here. */
  input?: string | Buffer;
  timeoutMs?: number;
  cwd?: string;
}

/** Environment for a child CLI: isolated settings and data, no colour, no SDK version warning. */
export function cliEnv(dirs: { configDir: string; dataDir: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('STREAMPROC_') ||
      key.startsWith('TWITTER_') ||
      key.startsWith('MASTODON_') ||
      key === 'AWS_PROFILE'
    )
      delete env[key];
  }
  return {
    ...env,
    STREAMPROC_CONFIG_DIR: dirs.configDir,
    STREAMPROC_DATA_DIR: dirs.dataDir,
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** What it has printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits (killed with SIGKILL after `timeoutMs`). */
  exited: Promise<CliResult>;
  /**
   * Resolves with the first match of `pattern` in what it printed on `stream` (stderr by default),
   * as soon as it is printed: the readiness wait for acting on it mid-run. Rejects if the CLI
   * exits first or after `timeoutMs` (20 s).
   */
  waitForOutput(
    pattern: RegExp,
    options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number },
  ): Promise<RegExpExecArray>;
}

/**
 * Starts the built CLI (bin/run.js → dist/) as a child process and collects its output while it
 * runs, for tests that act on it mid-run (signals, follow mode). stdin stays open until written.
 */
export function startCli(args: string[], options: Omit<CliOptions, 'input'> = {}): RunningCli {
  requireBuilt('oclif.manifest.json', 'dist/src/commands');
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => {}); // the CLI may exit before reading stdin
  let closed = false;
  const exited = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      closed = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitForOutput: RunningCli['waitForOutput'] = (pattern, { stream = 'stderr', timeoutMs = 20_000 } = {}) =>
    new Promise((resolve, reject) => {
      const printed = () => (stream === 'stdout' ? stdout : stderr);
      const check = () => {
        const match = pattern.exec(printed());
        if (match) done(() => resolve(match));
      };
      const gone = () =>
        done(() => reject(new Error(`the CLI exited before printing ${pattern} on ${stream}:\n${printed()}`)));
      const timer = setTimeout(
        () =>
          done(() => reject(new Error(`${pattern} not printed on ${stream} within ${timeoutMs} ms:\n${printed()}`))),
        timeoutMs,
      );
      let settled = false;
      const done = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child[stream].off('data', check);
        child.off('close', gone);
        settle();
      };
      // Listeners added after the collecting ones above, so `printed()` already holds each chunk.
      child[stream].on('data', check);
      child.once('close', gone);
      check();
      if (closed) gone();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, exited, waitForOutput };
}

/** Runs the built CLI to the end with `input` on stdin and collects its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const running = startCli(args, options);
  running.child.stdin.end(options.input ?? '');
  return running.exited;
}

/** A temporary config + data directory pair, removed by `cleanup`. */
export async function tempDirs(prefix = 'streamproc-test-') {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dirs = { root, configDir: join(root, 'config'), dataDir: join(root, 'data') };
  return {
    ...dirs,
    env: (extra?: NodeJS.ProcessEnv) => cliEnv(dirs, extra),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
