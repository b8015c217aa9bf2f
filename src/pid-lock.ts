/**
 * Lock files that name their holder's pid. The file appears whole or not at all (written aside,
 * then hard-linked into place), so a reader never finds it empty and takes a live lock for a dead
 * one; a stale lock is broken by one process at a time, which looks again before deleting it.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm } from 'node:fs/promises';

/** The pid recorded in a lock file, or undefined (no file, or not a pid). */
export async function lockHolder(file: string): Promise<number | undefined> {
  try {
    return parsePid(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function parsePid(text: string): number | undefined {
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) ? pid : undefined;
}

/** Creates `file` holding `pid` if no lock exists; false if one does. */
export async function tryCreatePidLock(file: string, pid = process.pid): Promise<boolean> {
  const temp = `${file}.${pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(`${pid}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Removes a lock judged stale (`isStale(holder)` true: a dead pid, or undefined for a file that
 * holds no pid — locks are created whole, so that is debris, not a lock being written). Two that both
 * found it stale take turns through `<file>.break`, and each looks again before deleting, so
 * neither deletes the fresh lock the other has just taken. True if it removed the lock or the lock
 * is gone; false if someone else is breaking it now (try again).
 */
export async function removeStaleLock(
  file: string,
  isStale: (holder: number | undefined) => boolean,
): Promise<boolean> {
  const breaker = `${file}.break`;
  if (!(await tryCreatePidLock(breaker))) {
    // A breaker that died in its few microseconds inside would block every later one.
    const holder = await lockHolder(breaker);
    if (holder !== undefined && !isAlive(holder)) await rm(breaker, { force: true });
    return false;
  }
  try {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    if (isStale(parsePid(text))) await rm(file, { force: true });
    return true;
  } finally {
    await rm(breaker, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock if `pid` holds it. */
export async function releasePidLock(file: string, pid = process.pid): Promise<void> {
  if ((await lockHolder(file)) === pid) await rm(file, { force: true });
}
