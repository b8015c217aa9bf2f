/**
 * Runs a streamproc command in this process, through oclif's own entry (`run` with the project's
 * config, loaded once from the package root, so commands come from the manifest and dist/ as they
 * do for users), and collects what it printed and the exit code it chose. For flag and usage-error
 * tests, which need neither signals nor a TTY; a child process (cli.ts) is for those that do.
 */
import type { Config } from '@oclif/core';
import { type CliResult, cliEnv, ROOT, requireBuilt } from './cli.js';

let config: Promise<Config> | undefined;

function loadConfig(): Promise<Config> {
  requireBuilt('oclif.manifest.json', 'dist/src/commands');
  config ??= import('@oclif/core').then(({ Config }) => Config.load(ROOT));
  return config;
}

export interface RunCommandOptions {
  /** Settings and data directories for this run (STREAMPROC_CONFIG_DIR / STREAMPROC_DATA_DIR). */
  dirs: { configDir: string; dataDir: string };
  /** Added to the environment for this run only. */
  env?: NodeJS.ProcessEnv;
}

/**
 * `streamproc <argv>` in-process. The environment is what a child CLI would get (cliEnv), swapped
 * in for the run and restored after, as are process.exitCode and the streams' TTY flags: stdin,
 * stdout and stderr look like pipes, as they do to a child of runCli. Not reentrant: one run at a
 * time per worker (vitest runs a file's tests one after another).
 */
export async function runCommand(argv: string[], options: RunCommandOptions): Promise<CliResult> {
  const { Errors, run } = await import('@oclif/core');
  const loaded = await loadConfig();
  const restoreEnv = swapEnv(cliEnv(options.dirs, options.env));
  const restoreTty = [process.stdin, process.stdout, process.stderr].map(hideTty);
  const exitCodeBefore = process.exitCode;
  process.exitCode = undefined;
  const out = { stdout: '', stderr: '' };
  const writeStdout = process.stdout.write;
  const writeStderr = process.stderr.write;
  process.stdout.write = collect(out, 'stdout');
  process.stderr.write = collect(out, 'stderr');
  let code: number;
  try {
    await run(argv, loaded);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    // The command's catch prints the message and hint, then exits through oclif's ExitError;
    // anything else escaped the command boundary, which `execute` would print and exit 1 for.
    if (!(error instanceof Errors.ExitError)) throw error;
    code = error.oclif.exit ?? 1;
  } finally {
    process.stdout.write = writeStdout;
    process.stderr.write = writeStderr;
    process.exitCode = exitCodeBefore;
    for (const restore of restoreTty) restore();
    restoreEnv();
  }
  return { code, signal: null, ...out };
}

function collect(out: { stdout: string; stderr: string }, name: 'stdout' | 'stderr'): typeof process.stdout.write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    out[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
}

/** Replaces process.env's contents with `env`; returns the undo. */
function swapEnv(env: NodeJS.ProcessEnv): () => void {
  const before = { ...process.env };
  const replace = (next: NodeJS.ProcessEnv) => {
    for (const key of Object.keys(process.env)) if (!(key in next)) delete process.env[key];
    for (const [key, value] of Object.entries(next)) if (value !== undefined) process.env[key] = value;
  };
  replace(env);
  return () => replace(before);
}

/** Makes a stream look like a pipe (as a child's stdio is under runCli); returns the undo. */
function hideTty(stream: NodeJS.ReadStream | NodeJS.WriteStream): () => void {
  const own = Object.getOwnPropertyDescriptor(stream, 'isTTY');
  Object.defineProperty(stream, 'isTTY', { value: undefined, configurable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(stream, 'isTTY', own);
    else delete (stream as { isTTY?: boolean }).isTTY;
  };
}
