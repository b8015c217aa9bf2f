/** `ingest --record FILE`: every raw message a live source receives, one line each, to replay later with --file. */
import type { WriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UserError } from '../errors.js';

/**
 * Appends (a resumed run adds to the same capture). A message that is not on one line (JSON may
 * hold raw line breaks between tokens) is re-serialised onto one. Writes are buffered by the
 * stream; the first write error is kept (see `problem`) and no later write is attempted.
 */
export class RawRecorder {
  private failure: string | undefined;
  lines = 0;

  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (error) => {
      this.failure ??= error.message;
    });
  }

  /** Opens (creates or appends to) `path` now, so that a bad path fails before the stream starts. */
  static async open(path: string): Promise<RawRecorder> {
    try {
      const info = await stat(path).catch(() => undefined);
      if (info?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      const handle = await open(path, 'a', 0o600);
      return new RawRecorder(path, handle.createWriteStream());
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new UserError(`Cannot record to ${path}: ${e.code === 'EISDIR' ? 'it is a directory' : e.message}`, {
        hint: 'Pass --record with a file path in a writable directory.',
        code: 'RECORD_FILE',
      });
    }
  }

  /** Why recording stopped, if it did. */
  get problem(): string | undefined {
    return this.failure;
  }

  write(raw: string): void {
    if (this.failure !== undefined || raw.length === 0) return;
    let line = raw;
    if (/[\r\n]/.test(line)) {
      try {
        line = JSON.stringify(JSON.parse(line));
      } catch {
        line = line.replace(/[\r\n]+/g, ' ');
      }
    }
    this.lines += 1;
    this.stream.write(`${line}\n`);
  }

  /** Flushes and closes; resolves even when the file failed (the failure stays in `problem`). */
  close(): Promise<void> {
    if (this.stream.closed || this.stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
