/** Disk space for the local engine: checked before a deploy, and named when the engine died of a full disk. */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../../errors.js';

/**
 * What a deploy wants free under the data directory before it starts an engine: the emulators'
 * LevelDB files, the processor bundle and the logs take a few hundred KB at first, and every
 * record after that takes space; below this the engine dies within seconds of starting, or while
 * the deploy talks to it ("socket hang up").
 */
export const MIN_FREE_BYTES = 32 * 1024 * 1024;

const HINT = 'Free some space there, or put the data elsewhere with STREAMPROC_DATA_DIR=…, then deploy again.';

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.floor(bytes / 1024)} KB`;
}

/** Free bytes for this user on the file system that holds `dir` (or its nearest existing parent). */
export async function freeBytes(dir: string): Promise<number | undefined> {
  let at = dir;
  for (;;) {
    try {
      const fs = await statfs(at);
      return fs.bavail * fs.bsize;
    } catch (error) {
      const parent = dirname(at);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) return undefined;
      at = parent;
    }
  }
}

/** Refuses to start where the engine could not run: "no space left on device", where, and how much is free. */
export async function checkFreeSpace(dir: string, minimum = MIN_FREE_BYTES): Promise<void> {
  const free = await freeBytes(dir);
  if (free === undefined || free >= minimum) return;
  throw new UserError(
    `No space left on device under ${dir}: ${formatBytes(free)} free, the local engine needs at least ${formatBytes(minimum)}`,
    { hint: HINT, code: 'DISK_FULL' },
  );
}

/** The error to give when the engine's log says it died of a full disk; undefined otherwise. */
export function diskFullError(dir: string, logTail: string, cause?: unknown): UserError | undefined {
  if (!/ENOSPC|no space left on device/i.test(logTail)) return undefined;
  return new UserError(`No space left on device under ${dir}: the local engine stopped`, {
    hint: HINT,
    code: 'DISK_FULL',
    cause,
  });
}
