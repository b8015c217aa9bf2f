/** One local deploy of a stack at a time: a second waits for the first instead of racing it for the engine. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { lockHolder, releasePidLock, removeStaleLock, tryCreatePidLock } from '../../pid-lock.js';
import type { Reporter } from '../../progress.js';
import type { EnginePaths } from '../engine/paths.js';
import { isProcessAlive } from '../engine/state.js';

/** How long a deploy waits for another deploy of the same stack (a cold engine start takes ~1 s). */
export const DEPLOY_LOCK_WAIT_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` holding `<data>/deploy.lock` (the pid of this process). Another live deploy holding
 * it is waited for, and said so; a lock left by a dead process is taken over.
 */
export async function withDeployLock<T>(
  stack: string,
  paths: EnginePaths,
  reporter: Reporter,
  work: () => Promise<T>,
  waitMs = DEPLOY_LOCK_WAIT_MS,
): Promise<T> {
  const file = join(paths.root, 'deploy.lock');
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  let told: number | undefined;
  for (;;) {
    if (await tryCreatePidLock(file)) break;
    const holder = await lockHolder(file);
    // Any live process: the holder is a CLI, not the engine, so no command-line check.
    // Any live process: the holder is a CLI, not the engine, so no command-line check. Undefined:
    // released since the attempt above, or debris; either way try again.
    if (holder === undefined || !isProcessAlive(holder, '')) {
      if (!(await removeStaleLock(file, (now) => now === undefined || !isProcessAlive(now, '')))) await sleep(10);
      continue;
    }
    if (told !== holder) {
      reporter.warn(`Another deploy of stack ${stack} (pid ${holder}) is in progress; waiting for it to finish.`);
      told = holder;
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `Another deploy of stack ${stack} (pid ${holder}) is still running after ${waitMs / 1000} s`,
        {
          hint: `Wait for it to finish, or stop it (kill ${holder}), then deploy again.`,
          code: 'DEPLOY_IN_PROGRESS',
        },
      );
    }
    await sleep(100);
  }
  try {
    return await work();
  } finally {
    await releasePidLock(file);
  }
}
