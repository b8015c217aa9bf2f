/** Local engines a test started: found by the pid files under its data directory, killed by pid. */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from './wait.js';

/**
 * SIGKILLs every local engine under a test's data directory (pids from each stack's state file and
 * lock), even after a failed test left one running, and waits until they are gone. Never by name,
 * and only a process whose command line is an engine's: other tests' engines live on, and a pid
 * reused since is left alone. Returns the pids killed.
 */
export async function killEngines(dataDir: string): Promise<number[]> {
  const root = join(dataDir, 'stacks');
  const killed: number[] = [];
  if (!existsSync(root)) return killed;
  for (const stack of await readdir(root)) {
    const pids = new Set<number>();
    for (const file of ['engine.json', 'engine.lock']) {
      try {
        const text = await readFile(join(root, stack, file), 'utf8');
        pids.add(file === 'engine.json' ? (JSON.parse(text) as { pid: number }).pid : Number.parseInt(text, 10));
      } catch {
        // Not there, or torn by a kill -9.
      }
    }
    for (const pid of pids) {
      if (!isEngine(pid)) continue;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
  }
  for (const pid of killed) await waitUntil(() => !alive(pid), 10_000, `engine ${pid} to die`);
  return killed;
}

/** Whether a process runs (a zombie, killed but not yet reaped, does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !procFile(pid, 'stat').includes(') Z ');
}

function procFile(pid: number, name: string): string {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return '';
  }
}

/** Only ever signal a process whose command line is an engine's (no /proc: trust the pid file). */
function isEngine(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return false;
  if (process.platform !== 'linux') return true;
  return procFile(pid, 'cmdline').includes('engine/main.');
}
