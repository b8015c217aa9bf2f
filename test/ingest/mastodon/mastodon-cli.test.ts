/**
 * `streamproc ingest --mastodon` end to end: the built CLI against the fake instance, into the
 * table on the local engine; a drop with the gap read, --max-posts, Ctrl-C, browse, --record then
 * --file, 401 without a retry, 429's Retry-After, and the token never printed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDirs } from '../../helpers/cli.js';
import { account, type FakeMastodon, snowflake, startFakeMastodon, status } from '../../helpers/fake-mastodon.js';
import { deployLocalStack, type LocalStack } from '../../helpers/local-stack.js';
import { runCommand } from '../../helpers/run-command.js';
import { waitUntil } from '../../helpers/wait.js';

const TOKEN = 'mstdn-e2e-token-5f1c2b9a7d-q8z3';
const T0 = Date.parse('2026-12-02T12:00:00.000Z');
const id = (n: number) => snowflake(T0 + n * 1000);
const ALICE = account('alice', null, '109000000000000001');
const BOB = account('bob', 'fosstodon.org', '109000000000000002');
const post = (n: number, text: string, who = n % 2 === 0 ? BOB : ALICE) => status({ id: id(n), text, account: who });

describe('streamproc ingest --mastodon: flags', () => {
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  beforeAll(async () => {
    dirs = await tempDirs();
  });
  afterAll(async () => {
    await dirs.cleanup();
  });

  it.each([
    [['--mastodon', '--bluesky'], /Only one source at a time: --bluesky and --mastodon/],
    [['--synthetic', '--instance', 'https://mastodon.social'], /--instance only applies to --mastodon/],
    [['--mastodon', '--rate', '5'], /--rate paces --file and --synthetic/],
    [['--mastodon', '--post-cost', '0.01'], /--post-cost only applies to the X streams/],
  ])('exits 2 for %j', async (args, message) => {
    const result = await runCommand(['ingest', ...args], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Hint: /);
  });

  it('refuses an instance that is not http(s), in one line with a hint', async () => {
    const result = await runCommand(['ingest', '--mastodon', '--instance', 'ftp://example.org'], { dirs });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Error: Mastodon instance "ftp://example.org" is not an http:// or https:// URL',
      'Hint: Pass --instance https://mastodon.social (or your instance).',
    ]);
  });
});

describe('streamproc ingest --mastodon end to end on the local engine', () => {
  let stack: LocalStack;
  let fake: FakeMastodon;
  const extra: FakeMastodon[] = [];
  const env = () => stack.dirs.env();

  beforeAll(async () => {
    stack = await deployLocalStack('streamproc-mastodon-e2e-');
    fake = await startFakeMastodon({ token: TOKEN, connections: [{ dropAfter: 2 }] });
    const init = await runCli(['init', '--yes', '--mastodon-instance', fake.url, '--mastodon-token', TOKEN], {
      env: env(),
    });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).not.toContain(TOKEN);
  }, 90_000);

  afterEach(async () => {
    for (const server of extra.splice(0)) await server.close();
  });

  afterAll(async () => {
    await fake?.close();
    await stack?.teardown();
  }, 60_000);

  it('sends the posts through a drop (the gap read through REST, nothing twice), and stops after --max-posts', async () => {
    const capture = join(stack.dirs.root, 'toots.jsonl');
    const running = startCli(
      ['ingest', '--mastodon', '--keywords', 'aws', '--max-posts', '4', '--record', capture, '--json'],
      { env: env(), timeoutMs: 60_000 },
    );
    running.child.stdin.end();
    await waitUntil(() => fake.openCount() === 1, 20_000, 'the CLI to open the stream');
    // The first connection dies after two events: the third is posted while the CLI is away.
    fake.publish(
      post(1, 'Cold starts on #AWS Lambda 🚀'),
      post(2, '#aws bills, explained'),
      post(3, 'missed #AWS post'),
    );
    // Back (the second stream is open) and the gap read answered: what comes now comes on the stream.
    await waitUntil(
      () => fake.openCount() === 1 && fake.requests.some((r) => r.path === '/api/v1/timelines/tag/aws'),
      20_000,
      'the reconnect and the gap read',
    );
    fake.remove(id(2));
    fake.publish(post(4, '#aws after the reconnect'), post(5, 'one #aws too many'));
    const result = await running.exited;

    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ source: 'mastodon', sent: 4, failed: 0, badLines: 0, maxPosts: 4 });
    expect(summary.notices).toMatchObject({ delete: 1 });
    expect(summary.notices.duplicate ?? 0).toBe(0);
    // The gap was read from just after the newest status received, with the token.
    const gapRead = fake.requests.find((r) => r.path === '/api/v1/timelines/tag/aws');
    expect(gapRead?.query).toMatchObject({ min_id: id(2), limit: '40' });
    expect(new Set(fake.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
    const ids = await stack.waitForIds([1, 2, 3, 4].map(id));
    expect([...ids].sort()).toEqual([1, 2, 3, 4].map(id).sort());
    const posts = await stack.posts();
    expect(posts.map((p) => [p.username, p.network, p.source]).sort()).toEqual([
      ['alice@127.0.0.1', 'mastodon', 'mastodon'],
      ['alice@127.0.0.1', 'mastodon', 'mastodon'],
      ['bob@fosstodon.org', 'mastodon', 'mastodon'],
      ['bob@fosstodon.org', 'mastodon', 'mastodon'],
    ]);
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
    const captured = (await readFile(capture, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(captured[0]).toMatchObject({ mastodon: fake.url, stream: 'hashtag:aws', event: 'update' });
    expect(captured.find((c) => c.via === 'timeline')?.data.id).toBe(id(3));
  }, 90_000);

  it('stops cleanly on Ctrl-C with the summary (exit 130); browse --network mastodon shows the posts', async () => {
    const running = startCli(['ingest', '--mastodon', '--keywords', 'aws'], { env: env(), timeoutMs: 60_000 });
    running.child.stdin.end();
    await waitUntil(() => fake.openCount() === 1, 20_000, 'the CLI to open the stream');
    fake.publish(post(6, '#AWS on a new run'));
    await stack.waitForIds([id(6)]);
    running.child.kill('SIGINT');
    const result = await running.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toMatch(/source\s+│\s+mastodon/);
    expect(result.stdout).toMatch(/sent\s+│\s+1\s/);

    const browse = await runCli(['browse', '--network', 'mastodon', '--json'], { env: env() });
    expect(browse.code, browse.stderr).toBe(0);
    const shown = JSON.parse(browse.stdout) as { network: string; username: string; text: string }[];
    expect(shown).toHaveLength(5);
    expect(shown.every((item) => item.network === 'mastodon')).toBe(true);
    expect(shown.map((item) => item.text)).toContain('Cold starts on #AWS Lambda 🚀');
  }, 90_000);

  it('replays the --record capture with --file: the same posts again (same ids, no new items)', async () => {
    const capture = join(stack.dirs.root, 'toots.jsonl');
    const lines = (await readFile(capture, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const updates = lines.filter((l) => l.event === 'update').length;
    const result = await runCli(['ingest', '--file', capture, '--json'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ source: 'file', sent: updates, badLines: 0 });
    // The capture may hold the fifth post, which the first run read but did not send (--max-posts 4).
    const expected = [1, 2, 3, 4, 6].map(id);
    if (lines.some((l) => l.data?.id === id(5))) expected.push(id(5));
    const ids = await stack.waitForIds(expected);
    expect([...ids].sort()).toEqual(expected.sort());
    expect(await stack.posts()).toHaveLength(expected.length);
  }, 60_000);

  it('waits for Retry-After after a 429, then streams', async () => {
    const limited = await startFakeMastodon({ connections: [{ status: 429, retryAfter: '1' }] });
    extra.push(limited);
    const running = startCli(
      ['ingest', '--mastodon', '--instance', limited.url, '--keywords', 'aws', '--max-posts', '1'],
      {
        env: env(),
        timeoutMs: 60_000,
      },
    );
    running.child.stdin.end();
    await waitUntil(() => limited.openCount() === 1, 20_000, 'the second attempt to open the stream');
    limited.publish(post(7, '#aws after the rate limit'));
    const result = await running.exited;
    expect(result.code, result.stderr).toBe(0);
    const [first, second] = limited.streams();
    expect([first?.status, second?.status]).toEqual([429, 200]);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // Another instance than the stack's: the stack's token is not sent there.
    expect(limited.requests.every((r) => r.authorization === undefined)).toBe(true);
  }, 60_000);

  it('stops at once on 401 with one line naming the token and a hint, never the token itself', async () => {
    const strict = await startFakeMastodon({ token: 'another-token-entirely' });
    extra.push(strict);
    const none = await runCli(['ingest', '--mastodon', '--instance', strict.url, '--keywords', 'aws'], {
      env: env(),
      timeoutMs: 30_000,
    });
    expect(none.code).toBe(1);
    // The progress lines, then the error in one line and its hint; no stack trace.
    expect(none.stderr).not.toMatch(/^\s+at /m);
    expect(none.stderr.trim().split('\n').slice(-2)).toEqual([
      `Error: ${strict.url.slice(7)} needs a Mastodon access token for its streaming API (HTTP 401)`,
      `Hint: Set the token with \`streamproc init --mastodon-token TOKEN\` (or run \`streamproc init\`); create one under Preferences → Development on ${strict.url.slice(7)}.`,
    ]);
    // The stack's token, refused by the instance it was set for.
    const init = await runCli(['init', '--yes', '--mastodon-instance', strict.url], { env: env() });
    expect(init.code, init.stderr).toBe(0);
    const refused = await runCli(['ingest', '--mastodon', '--keywords', 'aws', '--json'], {
      env: env(),
      timeoutMs: 30_000,
    });
    expect(refused.code).toBe(1);
    const error = JSON.parse(refused.stdout).error;
    expect(error).toMatchObject({
      code: 'MASTODON_TOKEN',
      message: `${strict.url.slice(7)} refused the Mastodon access token (HTTP 401)`,
    });
    expect(strict.streams()).toHaveLength(2);
    for (const out of [none.stdout, none.stderr, refused.stdout, refused.stderr]) expect(out).not.toContain(TOKEN);
  }, 60_000);
});
