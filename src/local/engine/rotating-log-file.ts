/** An append-only log file that rotates at a size limit, keeping a fixed number of old files. */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface RotatingLogFileOptions {
  file: string;
  /** Size at which the file is rotated: a write that would take it past this starts a new file. Default 5 MiB. */
  maxBytes?: number;
  /** Rotated files kept (`<file>.1` newest … `<file>.<keep>` oldest); older ones are dropped. Default 2. */
  keep?: number;
}

export const DEFAULT_MAX_LOG_BYTES = 5 * 1024 * 1024;
export const DEFAULT_KEPT_LOG_FILES = 2;

/**
 * Writes are synchronous and whole (one `write` per call, opened in append mode), so a reader
 * never sees half a line from a crash between writes, lines keep their order, and a `kill -9`
 * loses nothing already written. The disk use is bounded by `maxBytes × (keep + 1)`: a single
 * write larger than `maxBytes` is the caller's to prevent (FunctionLogFiles cuts long lines).
 */
export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(private readonly options: RotatingLogFileOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.keep = Math.max(0, options.keep ?? DEFAULT_KEPT_LOG_FILES);
  }

  get file(): string {
    return this.options.file;
  }

  /** Appends `text` (whole lines, newline included); rotates first when it would not fit. */
  write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    if (this.fd === undefined) this.open();
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) {
      this.rotate();
      this.open();
    }
    writeSync(this.fd as number, bytes);
    this.size += bytes.length;
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  private open(): void {
    mkdirSync(dirname(this.options.file), { recursive: true, mode: 0o700 });
    this.fd = openSync(this.options.file, 'a', 0o600);
    // Appending to what an earlier engine run wrote: its size counts toward the limit.
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.close();
    const { file } = this.options;
    if (this.keep === 0) {
      // Nothing to keep: start over (renaming onto itself would keep it growing).
      closeSync(openSync(file, 'w', 0o600));
      return;
    }
    // Oldest first, so each rename moves onto a name already freed; `<file>.<keep>` is overwritten.
    for (let index = this.keep - 1; index >= 1; index--) renameIfPresent(`${file}.${index}`, `${file}.${index + 1}`);
    renameIfPresent(file, `${file}.1`);
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
