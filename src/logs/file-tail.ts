/** Lines of a log file and its rotated predecessors, then (following) the lines appended after, across rotations. */
import { type FileHandle, open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { sleep } from '../sleep.js';

export interface FileTailOptions {
  /** The live file. */
  file: string;
  /** Its rotated predecessors, oldest first (`<file>.2`, `<file>.1`); missing ones are skipped. */
  rotated?: string[];
  /** Keep reading what is appended, until `signal` aborts. */
  follow?: boolean;
  signal: AbortSignal;
  /** How often a follow looks for new lines, default 250 ms. */
  pollMs?: number;
  /** An unfinished line (no newline yet) longer than this is handed out in pieces, so memory stays bounded. Default 1 Mi characters. */
  maxLineChars?: number;
}

const CHUNK_BYTES = 64 * 1024;

async function openIfPresent(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads one open file from `position` to its current end, line by line; `partial` carries an unfinished line. */
class FileReader {
  position = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);

  constructor(
    readonly handle: FileHandle,
    private readonly maxLineChars: number,
  ) {}

  /** Complete lines up to the end of the file as it is now. */
  async *lines(): AsyncGenerator<string> {
    for (;;) {
      const { bytesRead } = await this.handle.read(this.buffer, 0, CHUNK_BYTES, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      const parts = (this.partial + this.decoder.write(this.buffer.subarray(0, bytesRead))).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) yield line;
      while (this.partial.length > this.maxLineChars) {
        yield this.partial.slice(0, this.maxLineChars);
        this.partial = this.partial.slice(this.maxLineChars);
      }
    }
  }

  /** What is left of an unfinished last line (when the file will not grow any more). */
  rest(): string | undefined {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest === '' ? undefined : rest;
  }
}

/**
 * The lines of the rotated files (oldest first), then the live file's; following, it checks the
 * live file every `pollMs` (never a busy loop): growth is read from where it left off, a new file
 * in its place (rotation: the old one was renamed away) is first read to its end through the
 * handle still open on it, then the new one from its start, and a file cut shorter is read again
 * from its start. Memory holds one 64 KiB chunk and at most one unfinished line. Lines written to
 * a file that rotated away twice between two looks (over 10 MiB in `pollMs` at the engine's
 * limits) are not seen.
 */
export async function* tailFile(options: FileTailOptions): AsyncGenerator<string> {
  const { signal } = options;
  const maxLineChars = options.maxLineChars ?? 1024 * 1024;
  // The live file is opened first: if it rotates meanwhile, the handle still reads the same file.
  let live = await openIfPresent(options.file);
  try {
    for (const file of options.rotated ?? []) {
      if (signal.aborted) return;
      const handle = await openIfPresent(file);
      if (!handle) continue;
      try {
        const reader = new FileReader(handle, maxLineChars);
        yield* reader.lines();
        const rest = reader.rest();
        if (rest !== undefined) yield rest;
      } finally {
        await handle.close();
      }
    }
    let reader = live ? new FileReader(live, maxLineChars) : undefined;
    if (reader) yield* reader.lines();
    if (!options.follow) {
      const rest = reader?.rest();
      if (rest !== undefined) yield rest;
      return;
    }
    while (!signal.aborted) {
      await sleep(options.pollMs ?? 250, signal);
      if (signal.aborted) break;
      const current = await stat(options.file).catch(() => undefined);
      if (reader && live) {
        const open = await live.stat();
        if (current && current.ino === open.ino && current.size < reader.position) {
          // Cut shorter in place: read it again from its start.
          reader = new FileReader(live, maxLineChars);
        } else if (!current || current.ino !== open.ino) {
          // Renamed away (rotated): finish it, then move to the new file once it exists.
          yield* reader.lines();
          const rest = reader.rest();
          if (rest !== undefined) yield rest;
          await live.close();
          live = undefined;
          reader = undefined;
        }
      }
      if (!live && current) {
        live = await openIfPresent(options.file);
        reader = live ? new FileReader(live, maxLineChars) : undefined;
      }
      if (reader) yield* reader.lines();
    }
  } finally {
    await live?.close();
  }
}
