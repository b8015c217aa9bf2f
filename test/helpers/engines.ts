import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Kills every local engine under a test's data directory by pid (from the state file and the
 * lock), even after a failed test left one running. Never by name: other tests' engines live on.
 */
export async function killEngines(dataDir: string): Promise<void> {
  const root = join(dataDir, 'stacks');
  if (!existsSync(root)) return;
  for (const stack of await readdir(root)) {
    const pids = new Set<number>();
    for (const file of ['engine.json', 'engine.lock']) {
      try {
        const text = await readFile(join(root, stack, file), 'utf8');
        pids.add(file === 'engine.json' ? JSON.parse(text).pid : Number.parseInt(text, 10));
      } catch {
        // Not there.
      }
    }
    for (const pid of pids) {
      try {
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}
