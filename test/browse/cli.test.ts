/**
 * `streamproc browse`: flag errors and the error messages in-process (run-command.ts), then the
 * built CLI as a child process against the local engine: deploy → records through the pipeline →
 * browse / browse -f → Ctrl-C → teardown.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TweetItem } from '../../lambda/contract/table-layout.js';
import { encodeTweetEvent } from '../../lambda/contract/tweet-event.js';
import { stripAnsi } from '../../src/ui/style.js';
import { displayWidth } from '../../src/ui/text-width.js';
import { requireBuilt, runCli, startCli, tempDirs } from '../helpers/cli.js';
import { localDynamoClient } from '../helpers/dynalite.js';
import { kinesisClient } from '../helpers/kinesalite.js';
import { tweetEvent } from '../helpers/records.js';
import { runCommand } from '../helpers/run-command.js';

/** The SDK's default attempts: these clients live across tests, through idle keep-alive sockets. */
const SDK_ATTEMPTS = 3;

let dirs: Awaited<ReturnType<typeof tempDirs>>;

beforeAll(async () => {
  dirs = await tempDirs('streamproc-browse-');
});

afterAll(async () => {
  await dirs?.cleanup();
});

describe('browse flags and errors', () => {
  it.each([[['--limit', '0']], [['--no-such-flag']], [['--limit', 'many']]])(
    'exits 2 on bad flags %j',
    async (args) => {
      const result = await runCommand(['browse', ...args], { dirs });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^Error: /);
      expect(result.stderr).toContain('Hint:');
    },
  );

  it('rejects --since nonsense with an example', async () => {
    const result = await runCommand(['browse', '--since', 'nonsense'], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Error: --since "nonsense" is not a time');
    expect(result.stderr).toContain('Hint: For example --since 2h');
  });

  it.each([
    [['-f', '--until', '1h'], '--until cannot be combined with --follow'],
    [['--rejected', '--user', 'jeff'], '--user cannot be combined with --rejected'],
    [['--since', '1h', '--until', '2h'], '--since is later than --until'],
    [['-f', '--interval', '10ms'], '--interval must be at least 100ms'],
    [['-f', '--lookback', '99999d'], '--lookback 99999d is longer than stack streamproc keeps items (30 days)'],
  ])('rejects the combination %j', async (args, message) => {
    const result = await runCommand(['browse', ...args], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('says the engine is not running and what to run, also as JSON', async () => {
    const human = await runCommand(['browse'], { dirs });
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('Error: The local engine for stack streamproc is not running');
    expect(human.stderr).toContain('streamproc deploy');
    const json = await runCommand(['browse', '--json'], { dirs });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: expect.objectContaining({ code: 'ENGINE_NOT_RUNNING', exit: 1 }),
    });
  });

  it('says when the named stack does not exist', async () => {
    const other = await tempDirs('streamproc-browse-stack-');
    try {
      const init = await runCommand(['init', '--yes', '--stack', 'demo', '--keywords', 'aws'], { dirs: other });
      expect(init.code).toBe(0);
      const result = await runCommand(['browse', '--stack', 'nope'], { dirs: other });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Error: No stack named "nope"');
    } finally {
      await other.cleanup();
    }
  });
});

/** A tweet as ingest would send it now, its text tagged, with emoji, CJK and a line break. */
const taggedTweet = (tag: string) =>
  tweetEvent({ text: `${tag}: hello 🎉 東京の #serverless\nsecond line`, createdAt: new Date().toISOString() });

describe('browse against the local engine (built CLI)', () => {
  let kinesis: KinesisClient;
  let dynamodb: DynamoDBClient;
  let streamName: string;
  let tableName: string;

  const put = async (payloads: Uint8Array[]) => {
    const output = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: payloads.map((Data, i) => ({ Data, PartitionKey: String(i % 3) })),
      }),
    );
    expect(output.FailedRecordCount ?? 0).toBe(0);
  };

  const browseJson = async (args: string[] = []) => {
    const result = await runCommand(['browse', '--json', ...args], { dirs });
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as TweetItem[];
  };

  /** Waits until the processor has written `count` tweets. */
  const waitForTweets = async (count: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const items = await browseJson(['--limit', String(count)]);
      if (items.length >= count || Date.now() > deadline) return items;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  beforeAll(async () => {
    requireBuilt('dist/processor/index.mjs');
    const deploy = await runCli(['deploy', '--json'], { env: dirs.env(), timeoutMs: 120_000 });
    expect(deploy.code, deploy.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json'), 'utf8')) as {
      endpoints: { kinesis: string; dynamodb: string };
    };
    kinesis = await kinesisClient(state.endpoints.kinesis, SDK_ATTEMPTS);
    dynamodb = localDynamoClient(state.endpoints.dynamodb, SDK_ATTEMPTS);
    streamName = 'streamproc-EventStream';
    tableName = 'streamproc-EventData';
  }, 150_000);

  afterAll(async () => {
    kinesis?.destroy();
    dynamodb?.destroy();
    await runCli(['teardown', '--yes'], { env: dirs.env(), timeoutMs: 60_000 });
  }, 90_000);

  it('says the table is empty and how to fill it (exit 0, JSON [])', async () => {
    const human = await runCli(['browse'], { env: dirs.env() });
    expect(human.code).toBe(0);
    expect(human.stderr).toContain('No tweets yet in streamproc-EventData');
    expect(human.stderr).toContain('streamproc ingest --synthetic --count 100');
    expect(await browseJson()).toEqual([]);
  });

  it('shows records put into the stream, newest last, as JSON and as plain text', async () => {
    // Prepare
    const events = Array.from({ length: 6 }, () => taggedTweet('first'));
    await put([...events.map(encodeTweetEvent), new TextEncoder().encode('{"not": "a tweet"')]);
    // Act
    const items = await waitForTweets(6);
    const plain = await runCli(['browse', '--limit', '4'], { env: dirs.env({ COLUMNS: '40' }) });
    const wide = await runCli(['browse', '--limit', '4'], { env: dirs.env({ COLUMNS: '200' }) });
    const rejected = await runCli(['browse', '--rejected', '--json'], { env: dirs.env() });
    // Assess
    expect(items.map((item) => item.tweetId).sort()).toEqual(events.map((e) => e.id).sort());
    expect(items.map((item) => item.tsk)).toEqual([...items.map((item) => item.tsk)].sort());
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('\u001B[');
    const lines = plain.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(40);
    for (const line of wide.stdout.trimEnd().split('\n'))
      expect(displayWidth(stripAnsi(line))).toBeLessThanOrEqual(200);
    expect(wide.stdout).toContain(items.at(-1)?.tweetId as string);
    expect(JSON.parse(rejected.stdout)).toEqual([
      expect.objectContaining({
        kind: 'rejected',
        raw: '{"not": "a tweet"',
        reason: expect.stringContaining('not JSON'),
      }),
    ]);
  });

  it('follows: prints records put while it runs as NDJSON, then on Ctrl-C the count and exit 130', async () => {
    // Prepare
    const running = startCli(['browse', '-f', '--json', '--limit', '2'], { env: dirs.env() });
    running.child.stdin.end();
    const child = running.child;
    const exited = running.exited.then((result) => result.code);
    const lineCount = () =>
      running
        .stdout()
        .split('\n')
        .filter((line) => line.trim()).length;
    const waitFor = async (check: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    try {
      await waitFor(() => running.stderr().includes('Following'), 20_000);
      // Act
      const live = Array.from({ length: 5 }, () => taggedTweet('live'));
      // Two puts, the second once the first is printed: records that arrive across polls.
      await put(live.slice(0, 2).map(encodeTweetEvent));
      await waitFor(() => lineCount() >= 4, 20_000);
      await put(live.slice(2).map(encodeTweetEvent));
      await waitFor(() => lineCount() >= 7, 20_000);
      child.kill('SIGINT');
      const code = await exited;
      // Assess
      const printed = running
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as TweetItem);
      expect(code).toBe(130);
      expect(printed).toHaveLength(7);
      expect(
        printed
          .slice(2)
          .map((item) => item.tweetId)
          .sort(),
      ).toEqual(live.map((e) => e.id).sort());
      expect(new Set(printed.map((item) => item.sk)).size).toBe(7);
      expect(running.stderr()).toContain('Shown 7 tweets.');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops following and exits 0 when the reader of its output goes away (browse -f | head -1)', async () => {
    // Prepare: follow, then close the pipe as `head -1` does once it has its line
    const running = startCli(['browse', '-f', '--json', '--limit', '1'], { env: dirs.env() });
    running.child.stdin.end();
    try {
      await running.waitForOutput(/Following/);
      running.child.stdout.destroy();
      // Act: new items arrive, so the follow writes into the closed pipe
      await put(Array.from({ length: 3 }, () => encodeTweetEvent(taggedTweet('after-close'))));
      const result = await running.exited;
      // Assess
      expect(result.code).toBe(0);
      expect(result.stderr).not.toMatch(/Error|\n\s+at /);
    } finally {
      if (running.child.exitCode === null) running.child.kill('SIGKILL');
    }
  });

  it('filters by user and by text', async () => {
    const items = await browseJson(['--limit', '100']);
    const user = items[0]?.username as string;
    const byUser = await browseJson(['--user', user.toUpperCase(), '--limit', '100']);
    expect(byUser.length).toBeGreaterThan(0);
    expect(byUser.every((item) => item.username === user)).toBe(true);
    const byText = await browseJson(['--grep', 'LIVE', '--limit', '100']);
    expect(byText).toHaveLength(5);
  });

  it('says the table does not exist when it was deleted', async () => {
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
    const result = await runCli(['browse'], { env: dirs.env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: Table streamproc-EventData does not exist');
    expect(result.stderr).toContain('streamproc deploy');
  });
});
