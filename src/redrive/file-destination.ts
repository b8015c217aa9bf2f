/** The local target's on-failure file (mapping/failures.jsonl), redriven without losing an append. */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { UserError } from '../errors.js';
import { lockHolder, releasePidLock, removeStaleLock, tryCreatePidLock } from '../pid-lock.js';
import type { DestinationEntry, FailureSource } from './destination.js';

/**
 * How redrive and the engine share failures.jsonl. The engine appends by path (open 'a', one
 * write of a whole line, fsync, close) whenever it gives up on a batch, also during a redrive.
 * Rewriting the file in place would race with that: an append made between our read and our
 * rename over the file would land in the replaced inode and be lost. So redrive never rewrites
 * the engine's file. It first *renames* it to `failures.redrive.jsonl` (atomic; the engine's next
 * append creates a fresh failures.jsonl) and works on that claimed file, which the engine never
 * opens by name. Progress is a byte offset in `failures.redrive.offset`, written atomically only
 * after the batches before it were put back into the stream, so an interrupted redrive resumes
 * after the last batch it finished (and repeats at most the one it was on: the processor's
 * idempotent keys make that harmless). Entries kept (unreadable, or not put back) are appended to
 * failures.jsonl the same way the engine appends. An append that was already under way when the
 * file was renamed (opened before, written after) lands in the claimed file: before deleting it,
 * redrive reads it once more and handles whatever arrived since. (Not covered: a writer stalled
 * between its open and its write for the whole run, then writing after that last read; the
 * engine's open-write-fsync takes microseconds, a redrive at least milliseconds per batch.)
 */
export class FailureFile implements FailureSource {
  readonly claimed: string;
  readonly offsetFile: string;
  private offset = 0;
  private lines: (DestinationEntry & { end: number })[] = [];
  private readUpTo = 0;
  private handedOut = 0;
  private active = false;
  /** At most one claimed file left by an interrupted run, then one rename of the file as it is now. */
  private resumed = false;
  private renamed = false;

  readonly lockFile: string;
  private locked = false;

  constructor(readonly file: string) {
    this.claimed = file.replace(/\.jsonl$/, '.redrive.jsonl');
    this.offsetFile = file.replace(/\.jsonl$/, '.redrive.offset');
    this.lockFile = file.replace(/\.jsonl$/, '.redrive.lock');
  }

  /**
   * One redrive per stack at a time: two working on the same claimed file would both put its
   * batches back. A lock whose holder died (kill -9) is broken; a live holder is an error naming it.
   */
  async lock(): Promise<void> {
    await mkdir(dirname(this.lockFile), { recursive: true });
    for (let attempt = 0; attempt < 50; attempt += 1) {
      if (await tryCreatePidLock(this.lockFile)) {
        this.locked = true;
        return;
      }
      const holder = await lockHolder(this.lockFile);
      if (holder !== undefined && alive(holder)) {
        throw new UserError(`Another redrive of this stack is running (pid ${holder})`, {
          hint: `Wait for it to finish (or stop it: kill ${holder}), then run redrive again.`,
          code: 'REDRIVE_IN_PROGRESS',
        });
      }
      await removeStaleLock(this.lockFile, (now) => now === undefined || !alive(now));
    }
    throw new UserError(`Could not take the redrive lock ${this.lockFile}`, {
      hint: 'Remove the file if no redrive is running, then run redrive again.',
      code: 'REDRIVE_LOCK',
    });
  }

  get location(): string {
    return this.file;
  }

  async next(): Promise<DestinationEntry[]> {
    if (!this.locked) await this.lock();
    for (;;) {
      if (!this.active && !(await this.claim())) return [];
      if (this.lines.length === 0) await this.readMore();
      if (this.lines.length > 0) return this.lines.splice(0);
      // Everything in the claimed file is done, late appends included (read just now): it can go.
      await rm(this.claimed, { force: true });
      await rm(this.offsetFile, { force: true });
      this.active = false;
    }
  }

  async remove(entry: DestinationEntry): Promise<boolean> {
    await this.advance(entry);
    return true;
  }

  async keep(entry: DestinationEntry): Promise<void> {
    // Back where the engine writes, first: a crash before the offset moves repeats the line, never drops it.
    await appendLine(this.file, entry.body);
    await this.advance(entry);
  }

  async close(): Promise<{ remaining: number }> {
    if (this.locked) await releasePidLock(this.lockFile);
    this.locked = false;
    return { remaining: await countLines(this.file) };
  }

  /** Takes the claimed file an interrupted run left, else renames failures.jsonl aside; false when nothing is left. */
  private async claim(): Promise<boolean> {
    if (!this.resumed && !this.renamed && existsSync(this.claimed)) {
      this.resumed = true;
      this.offset = await readOffset(this.offsetFile);
    } else {
      if (this.renamed) return false;
      this.renamed = true;
      try {
        await rename(this.file, this.claimed);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
      this.offset = 0;
      await writeFileAtomic(this.offsetFile, '0\n');
    }
    this.readUpTo = this.offset;
    this.active = true;
    return true;
  }

  /** Complete lines of the claimed file after what was already handed out. */
  private async readMore(): Promise<void> {
    const size = (await stat(this.claimed)).size;
    if (size <= this.readUpTo) return;
    const text = (await readFile(this.claimed)).subarray(this.readUpTo).toString('utf8');
    let position = this.readUpTo;
    for (const part of text.split(/(?<=\n)/)) {
      position += Buffer.byteLength(part);
      // A last line without its newline is debris of a crash mid-append: handed out as it is
      // (unreadable, so kept), never dropped.
      if (part.trim() === '') continue;
      this.handedOut += 1;
      this.lines.push({
        where: `${basename(this.file)} entry ${this.handedOut}`,
        body: part.replace(/\n$/, ''),
        end: position,
      });
    }
    this.readUpTo = position;
  }

  private async advance(entry: DestinationEntry): Promise<void> {
    const end = (entry as DestinationEntry & { end: number }).end;
    if (end <= this.offset) return;
    this.offset = end;
    await writeFileAtomic(this.offsetFile, `${end}\n`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Appends one line the way the engine does: one write, O_APPEND, fsync. */
async function appendLine(file: string, body: string): Promise<void> {
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.writeFile(`${body}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readOffset(file: string): Promise<number> {
  try {
    const value = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0;
  }
}

/** Non-empty lines of a file (0 when it does not exist). */
export async function countLines(file: string): Promise<number> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '').length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Every entry of the file (and of a claimed file an interrupted run left), changing nothing: --dry-run. */
export async function peekFailureFile(file: string): Promise<FailureSource> {
  const probe = new FailureFile(file);
  const entries: DestinationEntry[] = [];
  const claimedText = existsSync(probe.claimed) ? await readFile(probe.claimed) : undefined;
  if (claimedText) {
    const offset = await readOffset(probe.offsetFile);
    entries.push(...linesOf(claimedText.subarray(offset).toString('utf8'), basename(probe.claimed)));
  }
  if (existsSync(file)) entries.push(...linesOf(await readFile(file, 'utf8'), basename(file)));
  let handed = false;
  return {
    location: file,
    next: async () => {
      if (handed) return [];
      handed = true;
      return entries;
    },
    remove: async () => false,
    keep: async () => {},
    close: async () => ({ remaining: entries.length }),
  };
}

function linesOf(text: string, name: string): DestinationEntry[] {
  return text
    .split('\n')
    .map((body, i) => ({ where: `${name} entry ${i + 1}`, body }))
    .filter((entry) => entry.body.trim() !== '');
}
