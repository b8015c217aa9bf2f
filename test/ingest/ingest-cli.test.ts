/**
 * `streamproc ingest`: flag and input errors in-process (run-command.ts); the whole pipeline and
 * Ctrl-C through the built CLI as a child process on the local engine.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineEndpoints } from '../../src/target.js';
import { ROOT, type RunningCli, runCli, startCli, tempDirs } from '../helpers/cli.js';
import { startFakeXServer, v2Message } from '../helpers/fake-x-server.js';
import { deployLocalStack, type LocalStack } from '../helpers/local-stack.js';
import { runCommand } from '../helpers/run-command.js';

describe('streamproc ingest: flags and input errors', () => {
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  beforeAll(async () => {
    dirs = await tempDirs();
  });
  afterAll(async () => {
    await dirs.cleanup();
  });

  it.each([
    [[], /Error: No source given/],
    [['--synthetic', '--file', 'x.jsonl'], /Only one source at a time: --file and --synthetic/],
    [['--twitter', '--synthetic'], /Only one source at a time: --twitter and --synthetic/],
    [['--file', 'x.jsonl', '--count', '5'], /--count only applies to --synthetic/],
    [['--file', 'x.jsonl', '--seed', '5'], /--seed only applies to --synthetic/],
    [['--twitter', '--rate', '5'], /--rate paces --file and --synthetic/],
    [['--synthetic', '--linger', 'soon'], /Error: .*linger/],
  ])('exits 2 for %j', async (args, message) => {
    const result = await runCommand(['ingest', ...args], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Hint: /);
    expect(result.stdout).toBe('');
  });

  it('exits 1 with one line and a hint for a missing file', async () => {
    const result = await runCommand(['ingest', '--file', 'no-such-file.jsonl'], { dirs });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Error: Replay file no-such-file.jsonl does not exist',
      'Hint: Pass --file with a newline-delimited JSON file of tweets, or --file - to read stdin.',
    ]);
  });

  it('prints the error as JSON with --json', async () => {
    const result = await runCommand(['ingest', '--json'], { dirs });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'NO_SOURCE', exit: 2 } });
  });

  it('refuses the X stream without credentials, pointing at init', async () => {
    const result = await runCommand(['ingest', '--twitter'], { dirs });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/needs an API bearer token/);
    expect(result.stderr).toMatch(/streamproc init --twitter-bearer-token/);
  });
});

/** Starts the CLI and plays `scenario` on it (readiness waits, then signals); resolves on exit. */
async function interruptCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  scenario: (running: RunningCli) => Promise<void>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const running = startCli(args, { env, timeoutMs: 40_000 });
  running.child.stdin.end();
  const [result] = await Promise.all([running.exited, scenario(running)]);
  return result;
}

describe('streamproc ingest end to end on the local engine', () => {
  let stack: LocalStack;
  let dirs: LocalStack['dirs'];
  let endpoints: PipelineEndpoints;
  const waitForIds = (expected: string[], timeoutMs?: number) => stack.waitForIds(expected, timeoutMs);

  beforeAll(async () => {
    stack = await deployLocalStack('streamproc-ingest-e2e-');
    ({ dirs, endpoints } = stack);
  }, 90_000);

  afterAll(async () => {
    await stack?.teardown();
  }, 60_000);

  it('sends 2000 synthetic tweets that all land in the table, and prints the summary as JSON', async () => {
    // Act
    const result = await runCli(['ingest', '--synthetic', '--count', '2000', '--seed', '5', '--json'], {
      env: dirs.env(),
    });
    // Assess
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining([
        'source',
        'sent',
        'failed',
        'badLines',
        'badLineSamples',
        'retried',
        'givenUp',
        'givenUpFile',
        'durationMs',
        'recordsPerSecond',
        'bytesPerSecond',
        'stream',
      ]),
    );
    expect(summary).toMatchObject({
      source: 'synthetic',
      sent: 2000,
      failed: 0,
      badLines: 0,
      notices: {},
      givenUp: 0,
      givenUpFile: null,
      stream: endpoints.streamName,
    });
    const { syntheticTweets } = await import('../../src/ingest/sources/synthetic.js');
    const expected = [...syntheticTweets({ seed: 5, count: 2000, startTime: 0 })].map((e) => e.id);
    const ids = await waitForIds(expected);
    expect(expected.filter((id) => !ids.has(id))).toEqual([]);
  }, 60_000);

  it('replays v1.1 and v2 files (and stdin), reporting bad lines without sending them', async () => {
    const v1 = await readFile(join(ROOT, 'test', 'fixtures', 'tweets-v1.jsonl'), 'utf8');
    const v2 = join(ROOT, 'test', 'fixtures', 'tweets-v2.jsonl');
    const fromStdin = await runCli(['ingest', '--file', '-'], { env: dirs.env(), input: `${v1}not json at all\n` });
    const fromFile = await runCli(['ingest', '--file', v2, '--json'], { env: dirs.env() });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stderr).toMatch(/line 5: not JSON/);
    expect(fromStdin.stdout).toMatch(/bad lines\s*│ 1/);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ source: 'file', sent: 3, badLines: 0 });
    const ids = await waitForIds(['1050118621198921728', '1445880548472328194']);
    expect(ids).toContain('1050118621198921728');
    expect(ids).toContain('1445880548472328194');
  }, 60_000);

  it('streams from the X filtered stream (fake server) into the table, through a disconnect, without showing the token', async () => {
    // Prepare
    const token = 'fake-bearer-token-0123456789abcdef';
    const x = await startFakeXServer({
      bearerToken: token,
      rules: [{ id: '9', value: 'dogs', tag: 'someone-else' }],
      connections: [
        {
          steps: [
            { message: v2Message({ id: '1900000000000000001', tag: 'streamproc:streamproc', text: 'first ☁️' }) },
            { keepAlive: true },
            { disconnect: true },
          ],
        },
        {
          steps: [
            { message: v2Message({ id: '1900000000000000002', tag: 'streamproc:streamproc', text: 'second 🚀' }) },
          ],
        },
      ],
    });
    try {
      const init = await runCli(['init', '--yes', '--keywords', 'aws,serverless', '--twitter-bearer-token', token], {
        env: dirs.env(),
      });
      expect(init.code, init.stderr).toBe(0);
      // Act
      const result = await interruptCli(
        ['ingest', '--twitter', '--json'],
        dirs.env({ STREAMPROC_X_API_URL: x.url }),
        async ({ child }) => {
          await waitForIds(['1900000000000000001', '1900000000000000002'], 20_000);
          child.kill('SIGINT');
        },
      );
      // Assess
      expect(result.code, result.stderr).toBe(130);
      expect(JSON.parse(result.stdout)).toMatchObject({ source: 'twitter', sent: 2, badLines: 0, interrupted: true });
      expect(x.streamConnections).toBe(2);
      expect(x.rules.map((r) => `${r.value}|${r.tag}`).sort()).toEqual([
        'aws|streamproc:streamproc',
        'dogs|someone-else',
        'serverless|streamproc:streamproc',
      ]);
      expect(result.stdout + result.stderr).not.toContain(token);
    } finally {
      await x.close();
    }
  }, 60_000);

  it('--max-posts stops the billed X stream after exactly N posts, with posts read and the estimated spend', async () => {
    // Prepare: five posts for this stack, then an idle stream that would never end by itself
    const token = 'fake-bearer-token-0123456789abcdef';
    const ids = Array.from({ length: 5 }, (_, i) => `19100000000000000${10 + i}`);
    const x = await startFakeXServer({
      bearerToken: token,
      connections: [
        { steps: ids.map((id) => ({ message: v2Message({ id, tag: 'streamproc:streamproc', text: id }) })) },
      ],
    });
    try {
      const init = await runCli(['init', '--yes', '--keywords', 'aws', '--twitter-bearer-token', token], {
        env: dirs.env(),
      });
      expect(init.code, init.stderr).toBe(0);
      // Act
      const result = await runCli(['ingest', '--twitter', '--max-posts', '3', '--post-cost', '0.01'], {
        env: dirs.env({ STREAMPROC_X_API_URL: x.url }),
        timeoutMs: 60_000,
      });
      // Assess: exactly three sent, a clean stop (exit 0), the spend said at start and in the summary
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('X bills every post this stream reads: about $0.010 a post');
      expect(result.stderr).toContain('it stops after 3 posts');
      expect(result.stdout).toMatch(/sent\s+│\s+3\s/);
      expect(result.stdout).toMatch(/posts read \(billed\)\s+│\s+[345]\s/);
      expect(result.stdout).toContain('an estimate at $0.010 a post');
      await waitForIds(ids.slice(0, 3), 20_000);
    } finally {
      await x.close();
    }
  }, 60_000);

  it('on SIGINT stops the source, flushes, prints the summary and exits 130', async () => {
    const { syntheticTweets } = await import('../../src/ingest/sources/synthetic.js');
    // With --json nothing is printed until the summary: the run is under way once its first 60
    // tweets are in the table.
    const first = [...syntheticTweets({ seed: 9, count: 60, startTime: 0 })].map((e) => e.id);
    const result = await interruptCli(
      ['ingest', '--synthetic', '--rate', '400', '--seed', '9', '--json'],
      dirs.env(),
      async ({ child }) => {
        await waitForIds(first);
        child.kill('SIGINT');
      },
    );
    expect(result.code).toBe(130);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ interrupted: true, failed: 0, givenUp: 0 });
    expect(summary.sent).toBeGreaterThan(50);
    const sent = [...syntheticTweets({ seed: 9, count: summary.sent, startTime: 0 })].map((e) => e.id);
    const ids = await waitForIds(sent);
    expect(sent.filter((id) => !ids.has(id))).toEqual([]);
  }, 60_000);

  it('a second Ctrl-C exits at once, saves what was not sent and says how much', async () => {
    // Prepare: freeze the engine so that requests hang and records pile up unsent.
    const { stackEnginePaths } = await import('../../src/local/engine/paths.js');
    const state = JSON.parse(await readFile(stackEnginePaths('streamproc').state, 'utf8')) as { pid: number };
    let frozen = false;
    try {
      // Act
      const { syntheticTweets } = await import('../../src/ingest/sources/synthetic.js');
      const result = await interruptCli(['ingest', '--synthetic', '--rate', '2000'], dirs.env(), async (running) => {
        // Ready: the source has started (the view names its seed) and its first tweet is in the
        // table, so records are flowing; from the freeze on they stay buffered or in flight.
        const [, seed] = await running.waitForOutput(/source generating: seed (\d+)/);
        await waitForIds([...syntheticTweets({ seed: Number(seed), count: 1, startTime: 0 })].map((e) => e.id));
        process.kill(state.pid, 'SIGSTOP');
        frozen = true;
        running.child.kill('SIGINT');
        await running.waitForOutput(/Stopping: sending the [\d,]+ buffered record\(s\)/);
        running.child.kill('SIGINT');
      });
      // Assess
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(/Stopping: sending the [\d,]+ buffered record\(s\)/);
      expect(result.stderr).toMatch(/Interrupted \(SIGINT\)/);
      const saved = /(\d[\d,]*) record\(s\) were not sent \(buffered or in flight\); saved to (\S+)/.exec(
        result.stderr,
      );
      expect(saved).not.toBeNull();
      const lines = (await readFile(saved?.[2] as string, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(Number((saved?.[1] ?? '').replace(/,/g, '')));
      expect(lines.length).toBeGreaterThan(0);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ v: 1, source: 'synthetic' });
    } finally {
      if (frozen) process.kill(state.pid, 'SIGCONT');
    }
  }, 60_000);
});
