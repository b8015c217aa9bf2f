/** Where a stack's Bluesky ingest resumes (the last Jetstream `time_us` dealt with) and the handles it knew, kept atomically. */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import { stackDataDir } from '../../config/paths.js';

/** `<data dir>/stacks/<stack>/bluesky-cursor.json`. */
export function cursorFilePath(stack: string): string {
  return join(stackDataDir(stack), 'bluesky-cursor.json');
}

/** `<data dir>/stacks/<stack>/bluesky-handles.json`: the handle cache, so that a new run knows the authors the last one did. */
export function handlesFilePath(stack: string): string {
  return join(stackDataDir(stack), 'bluesky-handles.json');
}

/** The saved handle cache (see HandleCache.toJSON), or undefined when there is none or it is unreadable. */
export async function readHandles(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Saves the handle cache atomically; a failure is returned (the run goes on without it), never thrown. */
export async function saveHandles(file: string, handles: { toJSON(): unknown }): Promise<string | undefined> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(handles));
    return undefined;
  } catch (error) {
    return `could not save the Bluesky handles to ${file}: ${(error as Error).message}`;
  }
}

export interface StoredCursor {
  /** Jetstream's `time_us` of the last event dealt with (sent on, or filtered out). */
  timeUs: number;
  /** The endpoint it came from (time_us differ slightly between Jetstream instances). */
  endpoint: string;
  savedAt: string;
}

/** The stored cursor; undefined when there is none or it is unreadable (then the stream starts at now). */
export async function readCursor(file: string): Promise<StoredCursor | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<StoredCursor>;
    if (typeof value.timeUs !== 'number' || !Number.isSafeInteger(value.timeUs) || value.timeUs <= 0) return undefined;
    return { timeUs: value.timeUs, endpoint: String(value.endpoint ?? ''), savedAt: String(value.savedAt ?? '') };
  } catch {
    return undefined;
  }
}

/**
 * Saves the cursor at most every `everyMs` while running (each save is a write, an fsync and a
 * rename) and once more on `flush`; saves never overlap and a failed one is retried by the next.
 */
export class CursorKeeper {
  private pending: number | undefined;
  private saved: number | undefined;
  private lastSaveAt = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Why the last save failed (the run goes on; the summary says so). */
  failure: string | undefined;

  constructor(
    private readonly file: string,
    private readonly endpoint: string,
    private readonly everyMs = 1_000,
  ) {}

  /** The cursor to resume from now (the newest advanced, saved or not). */
  get current(): number | undefined {
    return this.pending ?? this.saved;
  }

  advance(timeUs: number): void {
    if (this.pending !== undefined && timeUs <= this.pending) return;
    this.pending = timeUs;
    if (Date.now() - this.lastSaveAt >= this.everyMs) void this.save();
  }

  /** Writes the newest cursor now and waits for it. */
  async flush(): Promise<void> {
    await this.save();
  }

  private save(): Promise<void> {
    this.lastSaveAt = Date.now();
    this.writing = this.writing.then(async () => {
      const timeUs = this.pending;
      if (timeUs === undefined || timeUs === this.saved) return;
      try {
        await mkdir(dirname(this.file), { recursive: true });
        const content: StoredCursor = { timeUs, endpoint: this.endpoint, savedAt: new Date().toISOString() };
        await writeFileAtomic(this.file, `${JSON.stringify(content)}\n`);
        this.saved = timeUs;
        this.failure = undefined;
      } catch (error) {
        this.failure = `could not save the Bluesky cursor to ${this.file}: ${(error as Error).message}`;
      }
    });
    return this.writing;
  }
}
