/** `streamproc demo`, the quick start, through the built CLI; its usage error in-process. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDirs } from '../helpers/cli.js';
import { killEngines } from '../helpers/engines.js';
import { runCommand } from '../helpers/run-command.js';

type Dirs = Awaited<ReturnType<typeof tempDirs>>;
let dirs: Dirs;

beforeAll(async () => {
  dirs = await tempDirs('streamproc-demo-');
});
afterAll(async () => {
  await killEngines(dirs.dataDir);
  await dirs.cleanup();
});

describe('streamproc demo (the quick start, built CLI)', () => {
  it('deploys, ingests, shows tweets arriving, summarises, and leaves the stack running', async () => {
    // Act
    const result = await runCli(['demo', '--count', '400', '--rate', '800', '--seed', '11'], {
      env: dirs.env({ COLUMNS: '100' }),
      timeoutMs: 120_000,
    });

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Demo complete on stack "streamproc" (local)');
    expect(result.stdout).toMatch(/records sent\s+│ 400 /);
    expect(result.stdout).toMatch(/items in the table\s+│ 400 /);
    expect(result.stdout).toMatch(/end-to-end latency\s+│ p50 \d[\d,]* ms, p99 \d[\d,]* ms/);
    expect(result.stdout).toMatch(/rejected records\s+│ 0 /);
    expect(result.stdout).toContain('/ 400 in the table');
    expect(result.stdout).toContain('streamproc teardown');
    expect(existsSync(join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json'))).toBe(true);

    // The stack is really there: browse reads the same tweets.
    const browse = await runCli(['browse', '--json', '--limit', '5'], { env: dirs.env() });
    expect(browse.code).toBe(0);
    expect(JSON.parse(browse.stdout)).toHaveLength(5);
  });

  it('returns its figures as JSON and removes the stack with --teardown', async () => {
    const result = await runCli(['demo', '--count', '300', '--rate', '1000', '--json', '--teardown'], {
      env: dirs.env(),
      timeoutMs: 120_000,
    });

    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      stack: 'streamproc',
      target: 'local',
      sent: 300,
      itemsInTable: 300,
      missing: 0,
      rejected: 0,
      deploy: { status: expect.stringMatching(/^(unchanged|created|restarted)$/) },
      teardown: { existed: true },
    });
    expect(json.latency.samples).toBe(300);
    expect(json.latency.p50Ms).toBeLessThanOrEqual(json.latency.p99Ms);
    expect(existsSync(join(dirs.dataDir, 'stacks', 'streamproc'))).toBe(false);
  });

  it('interrupted, still counts the tweets it sent once they arrive: none is called missing, exit 130', async () => {
    // Prepare: a run long enough to interrupt, whose tweets are still on their way at Ctrl-C
    const running = startCli(['demo', '--count', '20000', '--rate', '2000', '--seed', '13'], { env: dirs.env() });
    running.child.stdin.end();
    try {
      await running.waitForOutput(/in the table\)/, { stream: 'stdout', timeoutMs: 60_000 });
      // Act
      running.child.kill('SIGINT');
      const result = await running.exited;
      // Assess
      expect(result.code, result.stderr).toBe(130);
      const sent = Number(/records sent\s+│ ([\d,]+) /.exec(result.stdout)?.[1]?.replace(/,/g, ''));
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(20_000);
      expect(result.stdout).toMatch(new RegExp(`items in the table\\s+│ ${sent.toLocaleString('en-US')} `));
      expect(result.stdout).not.toContain('missing');
    } finally {
      if (running.child.exitCode === null) running.child.kill('SIGKILL');
    }
  }, 120_000);

  it('rejects a bad count as a usage error', async () => {
    const result = await runCommand(['demo', '--count', '0'], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--count');
  });
});
