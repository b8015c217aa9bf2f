/**
 * `streamproc ingest --bluesky` end to end: the built CLI against a fake Jetstream, into the table
 * on the local engine; a drop mid-stream, a restart from the stored cursor, Ctrl-C, browse.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDirs } from '../../helpers/cli.js';
import { type FakeJetstream, identityEvent, postEvent, startFakeJetstream } from '../../helpers/fake-jetstream.js';
import { deployLocalStack, type LocalStack } from '../../helpers/local-stack.js';
import { runCommand } from '../../helpers/run-command.js';
import { waitUntil } from '../../helpers/wait.js';

const T0 = 1_764_676_800_000_000;
const ALICE = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const BOB = 'did:plc:z72i7hdynmk6r22z27h6tvur';
const at = (n: number) => T0 + n * 1000;

describe('streamproc ingest --bluesky: flags', () => {
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  beforeAll(async () => {
    dirs = await tempDirs();
  });
  afterAll(async () => {
    await dirs.cleanup();
  });

  it.each([
    [['--bluesky', '--twitter'], /Only one source at a time: --twitter and --bluesky/],
    [['--bluesky', '--rate', '5'], /--rate paces --file and --synthetic/],
    [['--sample', '--keywords', 'aws'], /--keywords does not apply to --sample/],
    [['--synthetic', '--record', 'x.jsonl'], /--record captures a live source/],
    [['--bluesky', '--keywords', ' , '], /--keywords: at least one keyword is needed/],
    [['--bluesky', '--post-cost', '0.01'], /--post-cost only applies to the X streams/],
  ])('exits 2 for %j', async (args, message) => {
    const result = await runCommand(['ingest', ...args], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Hint: /);
  });

  it('refuses an endpoint that is not ws:// or wss://, in one line with a hint', async () => {
    const result = await runCommand(['ingest', '--bluesky'], {
      dirs,
      env: { STREAMPROC_JETSTREAM_URL: 'http://127.0.0.1:9/subscribe' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Error: Jetstream endpoint http://127.0.0.1:9/subscribe is not a ws:// or wss:// URL',
      'Hint: Set STREAMPROC_JETSTREAM_URL to e.g. wss://jetstream2.us-east.bsky.network/subscribe, or unset it.',
    ]);
  });
});

describe('streamproc ingest --bluesky end to end on the local engine', () => {
  let stack: LocalStack;
  let dirs: LocalStack['dirs'];
  let jetstream: FakeJetstream;

  const tableItems = () => stack.posts();

  const env = () =>
    dirs.env({
      STREAMPROC_JETSTREAM_URL: jetstream.url,
      // Nothing listens there: profile lookups fail at once, unknown authors keep their DID.
      STREAMPROC_BSKY_API_URL: 'http://127.0.0.1:9',
    });
  const cursorFile = () => join(dirs.dataDir, 'stacks', 'streamproc', 'bluesky-cursor.json');
  const storedCursor = async () => (JSON.parse(await readFile(cursorFile(), 'utf8')) as { timeUs: number }).timeUs;

  beforeAll(async () => {
    stack = await deployLocalStack('streamproc-bluesky-e2e-');
    dirs = stack.dirs;
    jetstream = await startFakeJetstream({ connections: [{ dropAfter: 3 }] });
  }, 90_000);

  afterAll(async () => {
    await jetstream?.close();
    await stack?.teardown();
  }, 60_000);

  it('sends the matching posts through a drop mid-stream, without a gap or a duplicate, and stops after --max-posts', async () => {
    // Prepare: the CLI connects (no cursor yet: from now), then Jetstream publishes
    const capture = join(dirs.root, 'capture.jsonl');
    const running = startCli(
      ['ingest', '--bluesky', '--keywords', 'aws,#serverless', '--max-posts', '3', '--record', capture, '--json'],
      {
        env: env(),
        timeoutMs: 60_000,
      },
    );
    running.child.stdin.end();
    await waitUntil(() => jetstream.openCount() === 1, 20_000, 'the CLI to connect to Jetstream');
    // Act: the first connection drops after three messages; the CLI resumes from the third's time_us
    jetstream.publish(
      identityEvent(ALICE, 'alice.example.com', at(1)),
      postEvent({ did: ALICE, timeUs: at(2), text: 'AWS Lambda 🚀 cold starts' }),
      postEvent({ did: ALICE, timeUs: at(3), text: 'the laws of physics' }),
      postEvent({ did: BOB, timeUs: at(4), text: 'going #Serverless' }),
      postEvent({ did: ALICE, timeUs: at(5), text: 'aws again' }),
      postEvent({ did: BOB, timeUs: at(6), text: 'aws, the fourth' }),
    );
    const result = await running.exited;
    // Assess
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ source: 'bluesky', sent: 3, failed: 0, badLines: 0, maxPosts: 3 });
    expect(summary.notices).toMatchObject({ identity: 1, 'filtered-out': 1, duplicate: 1 });
    expect(jetstream.connections.map((c) => c.cursor)).toEqual([undefined, at(3)]);
    expect(await storedCursor()).toBe(at(5));
    const expected = [at(2), at(4), at(5)].map((t) => postEvent({ did: ALICE, timeUs: t, text: '' }).commit?.rkey);
    await waitUntil(async () => (await tableItems()).length >= 3, 30_000, 'three items in the table');
    const items = await tableItems();
    expect(items.map((i) => i.id).sort()).toEqual([...expected].sort());
    // Alice's handle came in an identity event; Bob's is unknown (the profile API is down): his DID.
    expect(items.map((i) => [i.username, i.network, i.source]).sort()).toEqual([
      ['alice.example.com', 'bluesky', 'bluesky'],
      ['alice.example.com', 'bluesky', 'bluesky'],
      [BOB, 'bluesky', 'bluesky'],
    ]);
    // Every message received (the replayed duplicate excepted) is in the capture, once.
    const captured = (await readFile(capture, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).time_us);
    expect(captured.slice(0, 5)).toEqual([at(1), at(2), at(3), at(4), at(5)]);
    expect(new Set(captured).size).toBe(captured.length);
  }, 90_000);

  it('continues from the stored cursor after a restart, and stops cleanly on Ctrl-C with the summary (exit 130)', async () => {
    // Act: a new process; its first connection asks for the stored cursor
    const running = startCli(['ingest', '--bluesky', '--keywords', 'aws'], { env: env(), timeoutMs: 60_000 });
    running.child.stdin.end();
    await waitUntil(() => jetstream.connections.length === 3, 20_000, 'the restarted CLI to connect');
    expect(jetstream.connections[2]?.cursor).toBe(at(5));
    jetstream.publish(postEvent({ did: ALICE, timeUs: at(7), text: 'AWS after the restart' }));
    await waitUntil(async () => (await tableItems()).length >= 5, 30_000, 'five items in the table');
    running.child.kill('SIGINT');
    const result = await running.exited;
    // Assess: the sixth post (not sent by the first run) and the new one, nothing twice
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toMatch(/source\s+│\s+bluesky/);
    expect(result.stdout).toMatch(/sent\s+│\s+2\s/);
    const ids = (await tableItems()).map((i) => i.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect(await storedCursor()).toBe(at(7));

    // browse shows whose posts they are, and filters by network
    const browse = await runCli(['browse', '--network', 'bluesky', '--json'], { env: dirs.env() });
    expect(browse.code, browse.stderr).toBe(0);
    const shown = JSON.parse(browse.stdout) as { network: string; username: string; text: string }[];
    expect(shown).toHaveLength(5);
    expect(shown.every((item) => item.network === 'bluesky')).toBe(true);
    expect(shown.map((item) => item.text)).toContain('AWS Lambda 🚀 cold starts');
    const none = await runCli(['browse', '--network', 'x', '--json'], { env: dirs.env() });
    expect(JSON.parse(none.stdout || '[]')).toEqual([]);
    const human = await runCli(['browse'], { env: dirs.env({ COLUMNS: '120' }) });
    expect(human.stdout).toMatch(/^TIME\s+NET\s+USER\s+TEXT/m);
    expect(human.stdout).toMatch(/bsky\s+@alice\.example\.…\s+AWS Lambda 🚀 cold starts/);
    // The first run saved the handles it learnt: the new process knows Alice without a lookup.
    expect(human.stdout).toMatch(/bsky\s+@alice\.example\.…\s+AWS after the restart/);
    expect(human.stdout).toMatch(/bsky\s+@did:plc:z72i7h…\s+aws, the fourth/);
    expect(existsSync(cursorFile())).toBe(true);
  }, 90_000);

  it('replays the capture with --file: the Jetstream lines become posts again (same ids), notices counted', async () => {
    const capture = join(dirs.root, 'capture.jsonl');
    // The first run stopped at --max-posts 3: whether the sixth message (a match) reached its
    // capture before it closed depends on timing, so the expected count comes from the capture.
    const capturedTimes = new Set(
      (await readFile(capture, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).time_us as number),
    );
    const matching = [at(2), at(4), at(5), at(6)].filter((t) => capturedTimes.has(t)).length;
    expect(matching).toBeGreaterThanOrEqual(3);
    const result = await runCli(['ingest', '--file', capture, '--keywords', 'aws,#serverless', '--json'], {
      env: dirs.env(),
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ source: 'file', sent: matching, badLines: 0 });
    expect(summary.notices).toMatchObject({ identity: 1, 'filtered-out': 1 });
  }, 60_000);
});
