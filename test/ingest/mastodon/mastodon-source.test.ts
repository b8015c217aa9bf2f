/**
 * The Mastodon source in-process against the fake instance: events, heartbeats, multi-line data,
 * edits and deletes, drops with the gap read through REST, duplicates across streams, 401, 429, 503.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TweetEvent } from '../../../lambda/contract/tweet-event.js';
import { streamsFor } from '../../../src/ingest/mastodon/instance.js';
import { mastodonSource } from '../../../src/ingest/sources/mastodon.js';
import type { SourceItem } from '../../../src/ingest/sources/source.js';
import {
  account,
  type FakeMastodon,
  type FakeMastodonOptions,
  snowflake,
  startFakeMastodon,
  status,
} from '../../helpers/fake-mastodon.js';
import { waitUntil } from '../../helpers/wait.js';

const T0 = Date.parse('2026-12-02T12:00:00.000Z');
const ALICE = account('alice', null, '109000000000000001');
const BOB = account('bob', 'fosstodon.org', '109000000000000002');
const id = (n: number) => snowflake(T0 + n * 1000);

let server: FakeMastodon | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs the source until `until` holds for what it yielded (or it ends), then stops it. */
async function run(
  options: FakeMastodonOptions,
  keywords: string[],
  act: (server: FakeMastodon, items: SourceItem[]) => Promise<void>,
  extra: { token?: string; stallTimeoutMs?: number } = {},
): Promise<{ items: SourceItem[]; error?: unknown; source: ReturnType<typeof mastodonSource> }> {
  server = await startFakeMastodon(options);
  const source = mastodonSource({
    keywords,
    instance: new URL(server.url),
    streams: streamsFor(keywords),
    token: extra.token,
    stallTimeoutMs: extra.stallTimeoutMs,
    timeScale: 0.01,
  });
  const controller = new AbortController();
  const items: SourceItem[] = [];
  let error: unknown;
  const reading = (async () => {
    try {
      for await (const item of source.items(controller.signal)) items.push(item);
    } catch (e) {
      error = e;
    }
  })();
  try {
    await act(server, items);
  } finally {
    controller.abort();
    await reading;
  }
  return { items, error, source };
}

const events = (items: SourceItem[]): TweetEvent[] => items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
const notices = (items: SourceItem[], kind: string) =>
  items.filter((i) => i.kind === 'notice' && i.notice.kind === kind).length;

describe('mastodon source', () => {
  it('reads update, status.update and delete events on a hashtag stream, with heartbeats and multi-line data', async () => {
    const first = status({ id: id(1), text: 'Cold starts on #AWS Lambda 🚀', account: ALICE });
    const { items, source } = await run({ heartbeatMs: 20, multiLineData: true }, ['aws'], async (fake, got) => {
      await waitUntil(() => fake.openCount() === 1, 5_000, 'the stream to open');
      fake.publish(first);
      fake.edit({
        ...first,
        content: '<p>Cold starts on #AWS Lambda, edited</p>',
        edited_at: '2026-12-02T12:01:00.000Z',
      });
      fake.remove(first.id);
      fake.publish(status({ id: id(2), text: 'more #aws from Bob', account: BOB }));
      await waitUntil(
        () => events(got).length === 3 && notices(got, 'delete') === 1,
        5_000,
        'three posts and a delete',
      );
    });
    expect(server?.streams().map((r) => [r.path, r.query.tag])).toEqual([['/api/v1/streaming/hashtag', 'aws']]);
    const sent = events(items);
    expect(sent.map((e) => [e.id, e.author.username, e.text])).toEqual([
      [id(1), 'alice@127.0.0.1', 'Cold starts on #AWS Lambda 🚀'],
      [id(1), 'alice@127.0.0.1', 'Cold starts on #AWS Lambda, edited'],
      [id(2), 'bob@fosstodon.org', 'more #aws from Bob'],
    ]);
    expect(sent[0]).toMatchObject({ v: 2, network: 'mastodon', source: 'mastodon', kind: 'post', hashtags: ['aws'] });
    expect(source.stats).toMatchObject({ duplicates: 0, deleted: 1 });
  });

  it('reads the gap through the REST timeline after a drop: nothing lost, nothing twice', async () => {
    const posts = [1, 2, 3, 4, 5, 6].map((n) => status({ id: id(n), text: `#aws post ${n}`, account: ALICE }));
    const at = (n: number) => posts[n - 1] as (typeof posts)[number];
    const { items, source } = await run({ connections: [{ dropAfter: 2 }] }, ['aws'], async (fake, got) => {
      await waitUntil(() => fake.openCount() === 1, 5_000, 'the stream to open');
      // Two reach the client, then the connection dies; 3, 4 and 5 are posted before it is back.
      fake.publish(at(1), at(2), at(3));
      fake.store(at(4), at(5));
      await waitUntil(
        () => fake.openCount() === 1 && fake.requests.some((r) => r.path === '/api/v1/timelines/tag/aws'),
        5_000,
        'the reconnect and the gap read',
      );
      // The stream and the gap read overlap: 5 comes again on the stream, then 6 is new.
      fake.publish(at(5), at(6));
      await waitUntil(() => events(got).length === 6 && notices(got, 'duplicate') === 1, 5_000, 'six posts');
    });
    expect(events(items).map((e) => e.id)).toEqual(posts.map((p) => p.id));
    const gapReads = server?.requests.filter((r) => r.path === '/api/v1/timelines/tag/aws') ?? [];
    expect(gapReads[0]?.query).toMatchObject({ min_id: id(2), limit: '40' });
    expect(source.stats).toMatchObject({ gapStatuses: 3, duplicates: 1 });
  });

  it('replaces a stream that stays silent (no event, no heartbeat) past the stall timeout, and keeps one that thumps', async () => {
    const { items } = await run(
      { heartbeatMs: 60_000 },
      ['aws'],
      async (fake, got) => {
        await waitUntil(() => fake.streams().length >= 2, 5_000, 'the stalled stream to be replaced');
        await waitUntil(() => fake.openCount() === 1, 5_000, 'the new stream');
        fake.publish(status({ id: id(1), text: '#aws after a stall', account: ALICE }));
        await waitUntil(() => events(got).length === 1, 5_000, 'the post');
      },
      { stallTimeoutMs: 300 },
    );
    expect(events(items)).toHaveLength(1);
    // With a heartbeat well inside the timeout, one connection lasts.
    await server?.close();
    const { items: quiet } = await run(
      { heartbeatMs: 50 },
      ['aws'],
      async (fake) => {
        await waitUntil(() => fake.openCount() === 1, 5_000, 'the stream');
        const opened = Date.now();
        await waitUntil(() => Date.now() - opened > 900, 2_000, 'three stall periods');
        expect(fake.streams()).toHaveLength(1);
      },
      { stallTimeoutMs: 300 },
    );
    expect(quiet).toEqual([]);
  });

  it('pages a long gap with min_id, oldest page first', async () => {
    const posts = Array.from({ length: 95 }, (_, i) => status({ id: id(i + 1), text: `#aws ${i + 1}`, account: BOB }));
    const { items } = await run({ connections: [{ dropAfter: 1 }] }, ['aws'], async (fake, got) => {
      await waitUntil(() => fake.openCount() === 1, 5_000, 'the stream to open');
      fake.publish(posts[0] as (typeof posts)[number]);
      fake.store(...posts.slice(1));
      await waitUntil(() => events(got).length === 95, 5_000, 'every post');
    });
    expect(events(items).map((e) => e.id)).toEqual(posts.map((p) => p.id));
    const pages = server?.requests.filter((r) => r.path === '/api/v1/timelines/tag/aws').map((r) => r.query.min_id);
    expect(pages).toEqual([id(1), id(41), id(81)]);
  });

  it('drops a status that comes on two hashtag streams, counted as a duplicate', async () => {
    const { items, source } = await run({}, ['aws', '#serverless'], async (fake, got) => {
      await waitUntil(() => fake.openCount() === 2, 5_000, 'two streams to open');
      fake.publish(status({ id: id(1), text: '#aws goes #serverless', account: ALICE }));
      await waitUntil(() => notices(got, 'duplicate') === 1, 5_000, 'the duplicate');
    });
    expect(events(items).map((e) => e.id)).toEqual([id(1)]);
    expect(source.stats.duplicates).toBe(1);
  });

  it('reads the public stream for a phrase and filters it here', async () => {
    const { items } = await run({}, ['aws lambda', 'kinesis'], async (fake, got) => {
      await waitUntil(() => fake.openCount() === 1, 5_000, 'the stream to open');
      fake.publish(
        status({ id: id(1), text: 'AWS  Lambda is neat', account: ALICE }),
        status({ id: id(2), text: 'the laws of lambda', account: BOB }),
        status({ id: id(3), text: '#Kinesis shards', account: BOB }),
      );
      await waitUntil(() => events(got).length === 2 && notices(got, 'filtered-out') === 1, 5_000, 'the filter');
    });
    expect(server?.streams()[0]?.path).toBe('/api/v1/streaming/public');
    expect(events(items).map((e) => e.id)).toEqual([id(1), id(3)]);
  });

  it('sends the token as a Bearer header, and stops with a one-line error naming the token on 401 (no retry)', async () => {
    const { error } = await run(
      { token: 'good-token-123456' },
      ['aws'],
      async (fake) => {
        await waitUntil(() => fake.requests.length >= 1, 5_000, 'the request');
      },
      { token: 'bad-token-98765432' },
    );
    expect((error as Error).message).toBe(`${server?.url.slice(7)} refused the Mastodon access token (HTTP 401)`);
    expect((error as { hint?: string }).hint).toMatch(/streamproc init --mastodon-token/);
    expect(server?.requests.map((r) => [r.status, r.authorization])).toEqual([[401, 'Bearer bad-token-98765432']]);
  });

  it('waits for Retry-After after a 429 and backs off after a 503, then streams', async () => {
    const { items } = await run(
      { connections: [{ status: 429, retryAfter: '30' }, { status: 503 }] },
      ['aws'],
      async (fake, got) => {
        await waitUntil(() => fake.openCount() === 1, 10_000, 'the third attempt to open');
        fake.publish(status({ id: id(1), text: '#aws at last', account: ALICE }));
        await waitUntil(() => events(got).length === 1, 5_000, 'the post');
      },
    );
    const attempts = server?.streams() ?? [];
    expect(attempts.map((r) => r.status)).toEqual([429, 503, 200]);
    // Retry-After 30 s on a time scale of 0.01: at least 300 ms between the 429 and the next attempt.
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(280);
    expect(events(items)).toHaveLength(1);
  });
});
