import { afterEach, describe, expect, it } from 'vitest';
import { ReconnectPolicy } from '../../src/ingest/reconnect-policy.js';
import type { SourceItem, SourceState } from '../../src/ingest/sources/source.js';
import { twitterSource } from '../../src/ingest/sources/twitter.js';
import { type FakeXServer, startFakeXServer, v2Message } from '../helpers/fake-x-server.js';

let server: FakeXServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const BEARER = 'test-bearer-token';

/** Reads from the source until `count` items arrived (or the timeout), then stops it. */
async function take(
  source: ReturnType<typeof twitterSource>,
  count: number,
  timeoutMs = 10_000,
): Promise<SourceItem[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const items: SourceItem[] = [];
  try {
    for await (const item of source.items(controller.signal)) {
      items.push(item);
      if (items.length >= count) controller.abort();
    }
  } finally {
    clearTimeout(timer);
  }
  return items;
}

describe('X filtered stream source against the fake X server', () => {
  it('syncs only its own tagged rules: adds missing keywords, removes stale ones, leaves foreign rules alone', async () => {
    // Prepare
    server = await startFakeXServer({
      rules: [
        { id: '1', value: 'cats', tag: 'other-tool' },
        { id: '2', value: 'old-keyword', tag: 'streamproc:test' },
        { id: '3', value: 'aws', tag: 'streamproc:test' },
        { id: '4', value: 'aws', tag: 'streamproc:other-stack' },
      ],
      connections: [{ steps: [{ message: v2Message() }] }],
    });
    const states: SourceState[] = [];
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: BEARER },
      keywords: ['aws', 'machine learning'],
      apiUrl: server.url,
      onState: (s) => states.push(s),
    });
    // Act
    await take(source, 1);
    // Assess
    expect(server.rules.map(({ value, tag }) => ({ value, tag }))).toEqual([
      { value: 'cats', tag: 'other-tool' },
      { value: 'aws', tag: 'streamproc:test' },
      { value: 'aws', tag: 'streamproc:other-stack' },
      { value: '"machine learning"', tag: 'streamproc:test' },
    ]);
    expect(states.find((s) => s.detail?.startsWith('rules:'))?.detail).toBe(
      'rules: 2 tracked (+1 −1), 2 of other tools untouched',
    );
  });

  it('streams tweets through keep-alives, a disconnect and a 429, reconnecting by policy', async () => {
    // Prepare
    const emoji = Buffer.from(`${JSON.stringify(v2Message({ text: 'split 👩‍💻 across packets', id: '77' }))}\r\n`);
    const cut = emoji.indexOf(Buffer.from('👩')) + 2; // in the middle of the 4-byte character
    server = await startFakeXServer({
      connections: [
        {
          steps: [
            { message: v2Message({ id: '1' }) },
            { keepAlive: true },
            { keepAlive: true },
            { message: v2Message({ id: '2' }) },
            { disconnect: true },
          ],
        },
        { status: 429 },
        {
          steps: [
            { raw: emoji.subarray(0, cut) },
            { pauseMs: 20 },
            { raw: emoji.subarray(cut) },
            { message: v2Message({ id: '666', tag: 'some-other-tool' }) },
            { message: { data: { id: '3', text: 'no author', created_at: '2024-06-01T10:00:00.000Z' } } },
            { message: v2Message({ id: '4' }) },
          ],
        },
      ],
    });
    const states: SourceState[] = [];
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: BEARER },
      keywords: ['aws'],
      apiUrl: server.url,
      policy: new ReconnectPolicy({ scale: 0.002 }),
      onState: (s) => states.push(s),
    });
    // Act
    const items = await take(source, 5);
    // Assess
    expect(
      items.map((i) => (i.kind === 'event' ? i.event.id : i.kind === 'bad' ? `bad:${i.bad.reason}` : i.kind)),
    ).toEqual(['1', '2', '77', 'bad:tweet 3 has no author_id', '4']);
    const split = items.find((i) => i.kind === 'event' && i.event.id === '77');
    expect(split?.kind === 'event' && split.event.text).toBe('split 👩‍💻 across packets');
    expect(split?.kind === 'event' && split.event.source).toBe('twitter');
    expect(server.streamConnections).toBe(3);
    const reconnects = states.filter((s) => s.state === 'reconnecting');
    expect(reconnects.map((s) => s.delayMs)).toEqual([0, 120]);
    expect(reconnects[1]?.detail).toMatch(/HTTP 429/);
    const streamRequest = server.requests.find((r) => r.path === '/2/tweets/search/stream');
    expect(streamRequest?.query.get('expansions')).toBe('author_id');
    expect(streamRequest?.query.get('tweet.fields')?.split(',')).toEqual(
      expect.arrayContaining(['created_at', 'lang', 'entities', 'author_id']),
    );
    expect(streamRequest?.query.get('user.fields')?.split(',')).toEqual(expect.arrayContaining(['username', 'name']));
  });

  it('reconnects when neither data nor keep-alives arrive within the keep-alive timeout', async () => {
    server = await startFakeXServer({
      connections: [
        { steps: [{ message: v2Message({ id: '10' }) }, { stall: true }] },
        { steps: [{ message: v2Message({ id: '11' }) }] },
      ],
    });
    const states: SourceState[] = [];
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: BEARER },
      keywords: ['aws'],
      apiUrl: server.url,
      keepAliveTimeoutMs: 300,
      onState: (s) => states.push(s),
    });
    const items = await take(source, 2);
    expect(items.map((i) => i.kind === 'event' && i.event.id)).toEqual(['10', '11']);
    expect(states.find((s) => s.state === 'reconnecting')?.detail).toBe('no data or keep-alive for 0 s');
  });

  it('derives a bearer token from the API key and secret (appLogin)', async () => {
    server = await startFakeXServer({
      appKey: 'key-1234',
      appSecret: 'secret-5678',
      connections: [{ steps: [{ message: v2Message({ id: '20' }) }] }],
    });
    const source = twitterSource({
      stack: 'test',
      credentials: { apiKey: 'key-1234', apiSecret: 'secret-5678' },
      keywords: ['aws'],
      apiUrl: server.url,
    });
    const items = await take(source, 1);
    expect(items.map((i) => i.kind === 'event' && i.event.id)).toEqual(['20']);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/oauth2/token', authorised: true });
  });

  it('uses the sampled stream without touching rules', async () => {
    server = await startFakeXServer({
      connections: [{ steps: [{ message: v2Message({ id: '30', tag: 'whatever' }) }] }],
    });
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: BEARER },
      keywords: ['aws'],
      apiUrl: server.url,
      sample: true,
    });
    const items = await take(source, 1);
    expect(items.map((i) => i.kind === 'event' && i.event.id)).toEqual(['30']);
    expect(server.requests.map((r) => r.path)).toEqual(['/2/tweets/sample/stream']);
  });

  it('fails with a UserError on a bad token, and the token is not in the message', async () => {
    server = await startFakeXServer();
    const token = 'wrong-token-abcdefghijklmnop';
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: token },
      keywords: ['aws'],
      apiUrl: server.url,
    });
    const error = await take(source, 1).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(error).toMatchObject({ code: 'X_AUTH', message: expect.stringMatching(/HTTP 401/) });
    expect(JSON.stringify({ m: error?.message, h: (error as { hint?: string }).hint })).not.toContain(token);
  });

  it('refuses to start without credentials, naming the fix', () => {
    expect(() => twitterSource({ stack: 'test', credentials: undefined, keywords: ['aws'] })).toThrow(/bearer token/);
  });
});
