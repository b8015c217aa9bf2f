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
  const missing = paths.filter((path) => !existsSync(join(ROOT, path)));
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
    if (key.startsWith('STREAMPROC_') || key.startsWith('TWITTER_') || key === 'AWS_PROFILE') delete env[key];
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
  const exited = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
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
