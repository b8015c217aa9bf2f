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

/** Keys kept for the events sharing one `time_us`. */
const MAX_KEYS = 1_000;

export interface StoredCursor {
  /** Jetstream's `time_us` of the last event dealt with (sent on, or filtered out). */
  timeUs: number;
  /**
   * The events at exactly `timeUs` that were dealt with (see `eventKeyOf`): should two events share
   * a `time_us`, the one not yet dealt with is still taken when the cursor replays it. Absent in
   * older files: then every event at `timeUs` counts as dealt with.
   */
  keys?: string[];
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
    const keys = Array.isArray(value.keys) ? value.keys.filter((k): k is string => typeof k === 'string') : undefined;
    return {
      timeUs: value.timeUs,
      ...(keys ? { keys } : {}),
      endpoint: String(value.endpoint ?? ''),
      savedAt: String(value.savedAt ?? ''),
    };
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
  private pendingKeys: string[] = [];
  private saved: string | undefined;
  private lastSaveAt = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Why the last save failed (the run goes on; the summary says so). */
  failure: string | undefined;

  constructor(
    private readonly file: string,
    private readonly endpoint: string,
    private readonly everyMs = 1_000,
  ) {}

  /** `key` names the event (see `eventKeyOf`), for the events that share its `time_us`. */
  advance(timeUs: number, key: string): void {
    if (this.pending !== undefined && timeUs < this.pending) return;
    if (timeUs === this.pending) {
      // Bounded: a pathological run of equal time_us keeps its last keys only.
      if (this.pendingKeys.length >= MAX_KEYS) this.pendingKeys.shift();
      this.pendingKeys.push(key);
    } else {
      this.pending = timeUs;
      this.pendingKeys = [key];
    }
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
      const keys = [...this.pendingKeys];
      const state = `${timeUs} ${keys.join(' ')}`;
      if (timeUs === undefined || state === this.saved) return;
      try {
        await mkdir(dirname(this.file), { recursive: true });
        const content: StoredCursor = { timeUs, keys, endpoint: this.endpoint, savedAt: new Date().toISOString() };
        await writeFileAtomic(this.file, `${JSON.stringify(content)}\n`);
        this.saved = state;
        this.failure = undefined;
      } catch (error) {
        this.failure = `could not save the Bluesky cursor to ${this.file}: ${(error as Error).message}`;
      }
    });
    return this.writing;
  }
}
