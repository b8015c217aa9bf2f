/**
 * The one way benches start their servers (emulators, proxies, sinks): each in a child process, so
 * that its CPU is not counted as the bench's (process.cpuUsage() measures only the code under test).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const children: ChildProcess[] = [];

/**
 * Runs `bench/lib/<script>` (TypeScript, through tsx) with `args` and waits for the
 * `{"port":N}` line it prints once listening; returns its endpoint on 127.0.0.1.
 */
export async function startChildServer(
  script: string,
  args: string[] = [],
): Promise<{ port: number; endpoint: string }> {
  const path = new URL(script, import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  const { port } = JSON.parse(line) as { port: number };
  return { port, endpoint: `http://127.0.0.1:${port}` };
}

/** Stops every server started here (benches call it in a `finally`). */
export function stopChildServers(): void {
  for (const child of children.splice(0)) child.kill('SIGTERM');
}

/**
 * For the child's side: prints the port line the parent waits for, then lives until the parent
 * closes its stdin or sends SIGTERM.
 */
export function serveUntilParentLeaves(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
