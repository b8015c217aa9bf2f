/** Records the producer gave up on: where they go by default and how they are written. */
import { appendFileSync, constants, existsSync, mkdirSync, truncateSync } from 'node:fs';
import { access, mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { stackDataDir } from '../config/paths.js';
import { UsageError } from '../errors.js';
import type { ProducerRecord } from './producer.js';

/**
 * Where a run's given-up records go by default: under the stack's data directory, one file per
 * run, named by `run` (by default the start time, so that runs never append to each other's file).
 */
export function givenUpFilePath(
  stack: string,
  options: { run?: string; now?: Date; env?: NodeJS.ProcessEnv } = {},
): string {
  const run = options.run ?? (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
  return join(stackDataDir(stack, options.env), 'ingest', `given-up-${run}.ndjson`);
}

/**
 * Records the producer gave up on, as NDJSON of the record contract, which `ingest --file`
 * replays as is. Written synchronously and appended as it happens, so that the file is complete
 * even when the process is killed right after (or by) the second Ctrl-C.
 */
export class GivenUpFile {
  private written = 0;
  private lost = 0;
  private bytes = 0;
  private why: string | undefined;
  private firstLost: number | undefined;
  private target: string;
  private readonly ownerExisted: boolean;

  /**
   * `owner`: a directory the default path lives under (the stack's data directory). If it existed
   * when the run started and is gone by the first write (a teardown ran meanwhile), the records
   * go to the current directory instead of re-creating the deleted stack's directory.
   */
  constructor(
    path: string,
    private readonly owner?: string,
  ) {
    this.target = path;
    this.ownerExisted = owner !== undefined && existsSync(owner);
  }

  get path(): string {
    return this.target;
  }

  get count(): number {
    return this.written;
  }

  /** The path once something was written, else null (the file is only created when needed). */
  get pathIfWritten(): string | null {
    return this.written > 0 ? this.target : null;
  }

  /** Records that could be neither sent nor saved here (the disk was full, the directory gone…). */
  get unsaved(): number {
    return this.lost;
  }

  /** The lowest input line among the unsaved records, when they came from a file: where a run resumes. */
  get firstUnsavedLine(): number | undefined {
    return this.firstLost;
  }

  /** Why the last write failed, when one did: "no space left on device (ENOSPC) writing PATH". */
  get failure(): string | undefined {
    return this.why;
  }

  /**
   * Appends records whole: a write that fails (a full disk) is cut back to the last complete
   * line, so the file stays replayable, and the records it held are counted as unsaved instead of
   * crashing the run.
   */
  append(records: readonly ProducerRecord[]): void {
    if (records.length === 0) return;
    try {
      if (this.written === 0 && this.lost === 0) {
        if (this.ownerExisted && !existsSync(this.owner as string)) this.target = resolve(basename(this.target));
        mkdirSync(dirname(this.target), { recursive: true });
      }
      const parts: Uint8Array[] = [];
      const newline = Buffer.from('\n');
      for (const record of records) parts.push(record.data, newline);
      const chunk = Buffer.concat(parts);
      appendFileSync(this.target, chunk, { mode: 0o600 });
      this.bytes += chunk.byteLength;
      this.written += records.length;
    } catch (error) {
      this.lost += records.length;
      for (const { line } of records) {
        if (line !== undefined && (this.firstLost === undefined || line < this.firstLost)) this.firstLost = line;
      }
      const code = (error as NodeJS.ErrnoException).code;
      this.why = `${code === 'ENOSPC' ? 'no space left on device' : (error as Error).message} (${code ?? 'error'}) writing ${this.target}`;
      try {
        if (existsSync(this.target)) truncateSync(this.target, this.bytes);
      } catch {
        // The file is as the failed write left it; its complete lines still replay.
      }
    }
  }
}

/**
 * Checks a `--given-up-file` before any record is read: it must be a file streamproc can create or
 * append to, and not the input being replayed. (A path it could never write — `/proc/nope/x` — made
 * the producer retry the write forever; a directory failed only at the first give-up.)
 */
export async function checkGivenUpPath(path: string, input?: string): Promise<void> {
  const target = resolve(path);
  const hint = 'Pass --given-up-file with a file in a directory you can write, or leave it out.';
  const problem = (why: string) => new UsageError(`--given-up-file ${path} ${why}`, { hint, code: 'GIVEN_UP_FILE' });
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) throw problem('is a directory');
  if (info && !info.isFile()) throw problem('is not a regular file');
  if (info && input !== undefined && input !== '-') {
    const [a, b] = await Promise.all([realpath(target), realpath(resolve(input)).catch(() => undefined)]);
    if (a === b) throw problem('is the file being replayed');
  }
  try {
    await makeDirectories(dirname(target));
    await access(info ? target : dirname(target), constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw problem(
      code === 'EACCES' || code === 'EROFS'
        ? 'is not writable'
        : `cannot be written (${code ?? (error as Error).message})`,
    );
  }
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir loops forever where a parent reports
 * ENOENT however often it is created (under /proc), which is how `/proc/nope/x` spun a core.
 */
async function makeDirectories(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = dir;
  while (!(await stat(at).catch(() => undefined))) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const path of missing) await mkdir(path);
}
