// Per-shard checkpoints of one event source mapping, kept in one atomically written JSON file.

import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';

/**
 * Per-shard checkpoints of one event source mapping, in one JSON file. Lambda checkpoints a
 * shard only after a batch succeeded (or was sent to the on-failure destination); a restart
 * resumes AFTER_SEQUENCE_NUMBER the checkpoint, so nothing is replayed from the start and
 * nothing is lost. Every write is atomic (temp file + fsync + rename + directory fsync), so a
 * kill -9 leaves either the old or the new file, never a torn one.
 */

export interface ShardCheckpoint {
  /** Last sequence number fully handled (succeeded or sent to the failure destination). */
  sequenceNumber?: string;
  /**
   * First record seen on a shard that started at LATEST before anything was checkpointed: a
   * restart resumes AT it, because LATEST again would skip records read but not yet processed.
   */
  resumeAt?: string;
  /** The shard is closed (resharded) and was read to its end. */
  closed?: boolean;
  updatedAt: string;
}

interface CheckpointFile {
  version: 1;
  streamArn: string;
  functionName: string;
  shards: Record<string, ShardCheckpoint>;
}

export interface CheckpointStoreOptions {
  file: string;
  streamArn: string;
  functionName: string;
  /** Told when an unreadable file is set aside (it is renamed, not deleted). */
  onCorrupt?: (detail: { file: string; movedTo: string; error: string }) => void;
}

export class CheckpointStore {
  private readonly shards = new Map<string, ShardCheckpoint>();
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  private constructor(private readonly options: CheckpointStoreOptions) {}

  static async open(options: CheckpointStoreOptions): Promise<CheckpointStore> {
    const store = new CheckpointStore(options);
    await mkdir(dirname(options.file), { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as CheckpointFile;
        for (const [shardId, entry] of Object.entries(parsed.shards ?? {})) store.shards.set(shardId, entry);
      } catch (error) {
        // Atomic writes make this unlikely; keep the evidence and start over (at-least-once).
        const movedTo = `${options.file}.corrupt-${Date.now()}`;
        await rename(options.file, movedTo);
        options.onCorrupt?.({ file: options.file, movedTo, error: String(error) });
      }
    }
    return store;
  }

  get file(): string {
    return this.options.file;
  }

  get(shardId: string): ShardCheckpoint | undefined {
    return this.shards.get(shardId);
  }

  commit(shardId: string, sequenceNumber: string): Promise<void> {
    this.shards.set(shardId, { sequenceNumber, updatedAt: new Date().toISOString() });
    return this.persist();
  }

  setResumeAt(shardId: string, sequenceNumber: string): Promise<void> {
    this.shards.set(shardId, { ...this.shards.get(shardId), resumeAt: sequenceNumber, updatedAt: now() });
    return this.persist();
  }

  markClosed(shardId: string): Promise<void> {
    this.shards.set(shardId, { ...this.shards.get(shardId), closed: true, updatedAt: now() });
    return this.persist();
  }

  /** Resolves when every change made so far is on disk. */
  async flush(): Promise<void> {
    await (this.queued ?? this.writing);
  }

  /**
   * Coalesces writes: each write serialises the whole map as it is when the write starts, so
   * at most one write runs and one waits, however many shards commit meanwhile.
   */
  private persist(): Promise<void> {
    if (this.queued) return this.queued;
    const start = (): Promise<void> => {
      const written = this.writeNow().finally(() => {
        if (this.writing === written) this.writing = undefined;
      });
      this.writing = written;
      return written;
    };
    if (!this.writing) return start();
    const queued = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return start();
      });
    this.queued = queued;
    return queued;
  }

  private async writeNow(): Promise<void> {
    const content: CheckpointFile = {
      version: 1,
      streamArn: this.options.streamArn,
      functionName: this.options.functionName,
      shards: Object.fromEntries([...this.shards.entries()].sort(([a], [b]) => a.localeCompare(b))),
    };
    await writeFileAtomic(this.options.file, `${JSON.stringify(content, null, 2)}\n`);
  }
}

function now(): string {
  return new Date().toISOString();
}

/**
 * Moves an engine's single-mapping checkpoint file (`<mappingRoot>/checkpoints.json`, from before
 * each mapping had its own directory) to `file`, the mapping's own, when it belongs to that
 * mapping's function and stream and `file` does not exist yet: an engine restarted on old data
 * continues from where it was, and a second consumer never inherits the processor's positions.
 * Returns whether it moved the file.
 */
export async function adoptLegacyCheckpoints(options: {
  legacyFile: string;
  file: string;
  functionName: string;
  streamArn: string;
}): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(options.legacyFile, 'utf8');
  } catch {
    return false;
  }
  try {
    await readFile(options.file);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let parsed: Partial<CheckpointFile>;
  try {
    parsed = JSON.parse(text) as Partial<CheckpointFile>;
  } catch {
    return false;
  }
  if (parsed.functionName !== options.functionName || parsed.streamArn !== options.streamArn) return false;
  await mkdir(dirname(options.file), { recursive: true });
  await rename(options.legacyFile, options.file);
  return true;
}
