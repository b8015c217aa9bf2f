/** The Bluesky source against a fake Jetstream: drops and cursor replay, stalls, refusals, handles, the stored cursor. */

import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TweetEvent } from '../../../lambda/contract/tweet-event.js';
import { HandleCache } from '../../../src/ingest/bluesky/handle-cache.js';
import { readCursor } from '../../../src/ingest/bluesky/saved-state.js';
import { type BlueskySourceOptions, blueskySource } from '../../../src/ingest/sources/bluesky.js';
import type { SourceItem, SourceState } from '../../../src/ingest/sources/source.js';
import { tempDirs } from '../../helpers/cli.js';
import { type FakeJetstream, identityEvent, postEvent, startFakeJetstream } from '../../helpers/fake-jetstream.js';
import { waitUntil } from '../../helpers/wait.js';

const T0 = 1_738_013_962_000_000;
const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const posts = (from: number, count: number, text = 'serverless on AWS') =>
  Array.from({ length: count }, (_, i) =>
    postEvent({ did: DID, timeUs: T0 + (from + i) * 1000, text: `${text} ${from + i}` }),
  );

let server: FakeJetstream | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Run {
  events: TweetEvent[];
  items: SourceItem[];
  states: SourceState[];
  stop(): void;
  done: Promise<unknown>;
}

/** Consumes the source as ingest does (each event handed on before the next is read). */
function consume(options: Partial<BlueskySourceOptions> & { url: string }, until: (run: Run) => boolean): Run {
  const controller = new AbortController();
  const run: Run = { events: [], items: [], states: [], stop: () => controller.abort(), done: Promise.resolve() };
  const source = blueskySource({
    keywords: ['aws'],
    handles: new HandleCache(),
    timeScale: 0.001,
    onState: (state) => run.states.push(state),
    ...options,
  });
  run.done = (async () => {
    for await (const item of source.items(controller.signal)) {
      run.items.push(item);
      if (item.kind === 'event') {
        run.events.push(item.event);
        item.handed?.();
      }
      if (until(run)) break;
    }
  })();
  return run;
}

const notices = (run: Run, kind: string) =>
  run.items.filter((i) => i.kind === 'notice' && i.notice.kind === kind).length;

describe('blueskySource', () => {
  it('resumes a dropped connection from the last time_us: no gap, no duplicate', async () => {
    server = await startFakeJetstream({ connections: [{ dropAfter: 4 }, {}] });
    const run = consume({ url: server.url }, (r) => r.events.length >= 10);
    await waitUntil(() => server?.openCount() === 1, 5_000, 'the first connection');
    server.publish(...posts(0, 10));
    await run.done;
    const ids = run.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(10);
    expect(ids).toEqual(posts(0, 10).map((p) => p.commit?.rkey));
    expect(server.connections.map((c) => c.cursor)).toEqual([undefined, T0 + 3 * 1000]);
    expect(server.connections[0]?.wantedCollections).toEqual(['app.bsky.feed.post']);
    expect(server.connections[0]?.url).not.toMatch(/compress/);
    // The fourth post came again (the cursor is inclusive) and was dropped as a duplicate.
    expect(notices(run, 'duplicate')).toBe(1);
    expect(
      run.states.some((s) => s.state === 'reconnecting' && /closed by Jetstream|network/.test(s.detail ?? '')),
    ).toBe(true);
  });

  it('tells apart two events that share a time_us: the one not yet seen is taken at the replay, after a drop and after a restart', async () => {
    const dirs = await tempDirs();
    cleanups.push(dirs.cleanup);
    const cursorFile = join(dirs.root, 'bluesky-cursor.json');
    const OTHER = 'did:plc:z72i7hdynmk6r22z27h6tvur';
    server = await startFakeJetstream({ connections: [{ dropAfter: 2 }, {}, {}] });
    const run = consume({ url: server.url, cursorFile }, (r) => r.events.length >= 3);
    await waitUntil(() => server?.openCount() === 1, 5_000, 'the first connection');
    server.publish(
      postEvent({ did: DID, timeUs: T0 + 1, text: 'aws a' }),
      postEvent({ did: DID, timeUs: T0 + 2, text: 'aws b' }),
      postEvent({ did: OTHER, timeUs: T0 + 2, text: 'aws c, same time_us as b' }),
      postEvent({ did: DID, timeUs: T0 + 3, text: 'aws d' }),
    );
    await run.done;
    // Dropped after a and b; the replay from b's time_us brings b again (a duplicate) and c (new).
    expect(run.events.map((e) => e.text)).toEqual(['aws a', 'aws b', 'aws c, same time_us as b']);
    expect(notices(run, 'duplicate')).toBe(1);
    const stored = await readCursor(cursorFile);
    expect(stored?.timeUs).toBe(T0 + 2);
    expect(stored?.keys).toHaveLength(2);
    // A new run from the stored cursor and keys: b and c were dealt with, d was not.
    const next = consume(
      { url: server.url, cursorFile, startCursor: stored?.timeUs, startKeys: stored?.keys },
      (r) => r.events.length >= 1,
    );
    await next.done;
    expect(next.events.map((e) => e.text)).toEqual(['aws d']);
    expect(notices(next, 'duplicate')).toBe(2);
  });

  it('replaces a stalled connection after the stall timeout and resumes from the stored cursor', async () => {
    server = await startFakeJetstream({ connections: [{ stall: true }, {}] });
    server.publish(...posts(0, 3));
    const run = consume({ url: server.url, stallTimeoutMs: 300, startCursor: T0 }, (r) => r.events.length >= 2);
    await run.done;
    expect(run.states.find((s) => s.state === 'reconnecting')?.detail).toBe('no message for 0.3 s');
    expect(server.connections.map((c) => c.cursor)).toEqual([T0, T0]);
    // The post at the stored cursor was dealt with by the run that stored it.
    expect(run.events.map((e) => e.id)).toEqual(posts(1, 2).map((p) => p.commit?.rkey));
  });

  it('backs off and retries after HTTP 503, and stops with one line on HTTP 400', async () => {
    server = await startFakeJetstream({ connections: [{ status: 503 }, {}] });
    server.publish(...posts(0, 2));
    const run = consume({ url: server.url, startCursor: T0 - 1 }, (r) => r.events.length >= 2);
    await run.done;
    expect(run.states.find((s) => s.state === 'reconnecting')).toMatchObject({
      detail: expect.stringMatching(/HTTP 503/),
    });
    await server.close();

    server = await startFakeJetstream({ connections: [{ status: 400 }] });
    const refused = consume({ url: server.url }, () => false);
    await expect(refused.done).rejects.toMatchObject({
      code: 'JETSTREAM_REFUSED',
      message: expect.stringMatching(/^Jetstream refused the subscription: HTTP 400/),
    });
  });

  it('filters by keyword, names authors from identity events, then from the profile API, else by DID', async () => {
    const profiles: Server = createServer((req, res) => {
      const actor = new URL(req.url ?? '/', 'http://x').searchParams.get('actor');
      if (actor === 'did:plc:lookedupauthor00000000') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ handle: 'found.example.com', displayName: 'Found 🙂' }));
      } else res.writeHead(400).end('{"error":"InvalidRequest"}');
    });
    await new Promise<void>((resolve) => profiles.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => profiles.close(resolve)));
    const apiUrl = `http://127.0.0.1:${(profiles.address() as AddressInfo).port}`;
    server = await startFakeJetstream();
    server.publish(
      identityEvent(DID, 'alice.example.com', T0 + 1),
      postEvent({ did: DID, timeUs: T0 + 2, text: 'about AWS' }),
      postEvent({ did: DID, timeUs: T0 + 3, text: 'about the laws of nature' }),
      postEvent({ did: 'did:plc:lookedupauthor00000000', timeUs: T0 + 4, text: '#aws' }),
      postEvent({ did: 'did:plc:unknownauthor000000000', timeUs: T0 + 5, text: 'aws!' }),
    );
    const handles = new HandleCache({ apiUrl });
    const run = consume({ url: server.url, startCursor: T0, handles }, (r) => r.events.length >= 3);
    await run.done;
    expect(run.events.map((e) => [e.author.username, e.author.name])).toEqual([
      ['alice.example.com', ''],
      ['found.example.com', 'Found 🙂'],
      ['did:plc:unknownauthor000000000', ''],
    ]);
    expect(notices(run, 'identity')).toBe(1);
    expect(notices(run, 'filtered-out')).toBe(1);
    expect(handles.stats).toMatchObject({ lookups: 2, found: 1, failed: 1 });
  });

  it('says when the cursor cannot be saved, once, and again when the run stops, without stopping the run', async () => {
    const dirs = await tempDirs();
    cleanups.push(dirs.cleanup);
    const notADirectory = join(dirs.root, 'a-file');
    await writeFile(notADirectory, 'x');
    server = await startFakeJetstream();
    const run = consume(
      {
        url: server.url,
        startCursor: T0 - 1,
        cursorFile: join(notADirectory, 'bluesky-cursor.json'),
        cursorSaveEveryMs: 0,
      },
      (r) => notices(r, 'cursor-not-saved') >= 1,
    );
    // Posts keep coming (as on Bluesky) until the failed save has been said.
    let n = 0;
    await waitUntil(
      () => {
        server?.publish(...posts(n++, 1));
        return notices(run, 'cursor-not-saved') >= 1;
      },
      10_000,
      'the cursor-not-saved notice',
      20,
    );
    await run.done;
    expect(run.events.length).toBeGreaterThan(0);
    expect(notices(run, 'cursor-not-saved')).toBe(1);
    expect(run.states.at(-1)).toMatchObject({
      state: 'stopped',
      detail: expect.stringMatching(/^could not save the Bluesky cursor to .*a-file\/bluesky-cursor\.json: /),
    });
  });

  it('saves the most recent handles and loads them back, ignoring what is malformed', () => {
    const cache = new HandleCache({ capacity: 3 });
    for (const n of [1, 2, 3, 4])
      cache.set(`did:plc:author${n}`, `author${n}.example.com`, n === 4 ? 'Four' : undefined);
    const saved = JSON.parse(JSON.stringify(cache));
    expect(Object.keys(saved)).toEqual(['did:plc:author2', 'did:plc:author3', 'did:plc:author4']);
    const next = new HandleCache();
    expect(next.load({ ...saved, 'not-a-did': ['x.example.com', null], 'did:plc:bad': [42] })).toBe(3);
    expect(next.get('did:plc:author4')).toEqual({ handle: 'author4.example.com', name: 'Four' });
    expect(next.get('did:plc:author1')).toBeUndefined();
    expect(next.load('garbage')).toBe(0);
  });

  it('keeps the cursor in a file, so that the next run continues where this one stopped', async () => {
    const dirs = await tempDirs();
    cleanups.push(dirs.cleanup);
    const cursorFile = join(dirs.root, 'bluesky-cursor.json');
    server = await startFakeJetstream();
    const first = consume({ url: server.url, cursorFile }, (r) => r.events.length >= 3);
    await waitUntil(() => server?.openCount() === 1, 5_000, 'the first connection');
    server.publish(...posts(0, 3));
    await first.done;
    expect((await readCursor(cursorFile))?.timeUs).toBe(T0 + 2000);
    server.publish(...posts(3, 3));
    const stored = (await readCursor(cursorFile))?.timeUs;
    const second = consume({ url: server.url, cursorFile, startCursor: stored }, (r) => r.events.length >= 3);
    await second.done;
    expect(server.connections.at(-1)?.cursor).toBe(T0 + 2000);
    expect(second.events.map((e) => e.id)).toEqual(posts(3, 3).map((p) => p.commit?.rkey));
    expect((await readCursor(cursorFile))?.timeUs).toBe(T0 + 5000);
  });
});
