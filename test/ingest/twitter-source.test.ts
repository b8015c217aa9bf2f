import { afterEach, describe, expect, it } from 'vitest';
import { ReconnectPolicy } from '../../src/ingest/reconnect-policy.js';
import type { SourceState } from '../../src/ingest/sources/source.js';
import { twitterSource } from '../../src/ingest/sources/twitter.js';
import {
  type FakeXServer,
  OPERATIONAL_DISCONNECT,
  readSourceUntil,
  startFakeXServer,
  v2LongPost,
  v2Message,
  v2Repost,
} from '../helpers/fake-x-server.js';

let server: FakeXServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const BEARER = 'test-bearer-token';

/** Reads from the source until `count` items arrived (or the timeout), then stops it. */
const take = (source: ReturnType<typeof twitterSource>, count: number, timeoutMs = 10_000) =>
  readSourceUntil(source, (items) => items.length >= count, timeoutMs);

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
  });

  it('asks X for what a complete post needs and stores reposts, long posts and stream errors whole', async () => {
    // Prepare
    const originalText = `#serverless pipelines on AWS: Kinesis takes the posts, Lambda turns them into items, DynamoDB keeps them, and a dashboard shows the lot &amp; more, all in one stack ${'that goes on '.repeat(6)}to the end.`;
    const fullText = `#aws ${'a long post that X cuts at 280 characters in text, '.repeat(8)}and ends here.`;
    server = await startFakeXServer({
      connections: [
        {
          steps: [
            { message: v2Repost({ id: '101', originalId: '100', originalText }) },
            { message: v2LongPost({ id: '102', fullText }) },
            { message: OPERATIONAL_DISCONNECT },
            // X closes the stream after an operational-disconnect.
            { disconnect: true },
          ],
        },
        { steps: [{ message: v2Message({ id: '103' }) }] },
      ],
    });
    const states: SourceState[] = [];
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: BEARER },
      keywords: ['aws'],
      apiUrl: server.url,
      timeScale: 0.01,
      onState: (s) => states.push(s),
    });
    // Act
    const items = await take(source, 4);
    // Assess
    const stream = server.requests.find((r) => r.path === '/2/tweets/search/stream');
    expect(stream?.query.get('expansions')?.split(',')).toEqual([
      'author_id',
      'referenced_tweets.id',
      'referenced_tweets.id.author_id',
    ]);
    expect(stream?.query.get('tweet.fields')?.split(',').sort()).toEqual(
      ['author_id', 'created_at', 'entities', 'in_reply_to_user_id', 'lang', 'note_tweet', 'referenced_tweets'].sort(),
    );
    expect(stream?.query.get('user.fields')?.split(',')).toEqual(['username', 'name']);
    const [repost, long, notice, after] = items;
    expect(repost).toMatchObject({
      kind: 'event',
      event: {
        v: 2,
        id: '101',
        text: `RT @original: ${originalText.replace('&amp;', '&')}`,
        author: { id: '6001', username: 'reposter', name: 'Re Poster' },
        hashtags: ['serverless'],
        mentions: ['original'],
        source: 'twitter',
        kind: 'repost',
        ref: { id: '100', authorId: '6002', username: 'original' },
        truncated: false,
      },
    });
    expect(long).toMatchObject({
      kind: 'event',
      event: { id: '102', text: fullText, hashtags: ['aws'], kind: 'post', ref: null, truncated: false },
    });
    expect(notice).toEqual({
      kind: 'notice',
      notice: {
        line: 3,
        kind: 'error',
        title: 'operational-disconnect',
        detail: 'This stream has been disconnected upstream for operational reasons.',
      },
    });
    expect(after).toMatchObject({ kind: 'event', event: { id: '103' } });
    expect(states.filter((s) => s.state === 'reconnecting')).toEqual([
      {
        state: 'reconnecting',
        delayMs: 0,
        detail: 'X says: operational-disconnect (This stream has been disconnected upstream for operational reasons.)',
      },
    ]);
    expect(server.streamConnections).toBe(2);
  });

  it("stores a repost whose original X could not include as X cut it, marked truncated, and counts X's partial error as a notice", async () => {
    // Prepare: the original was deleted, so X sends the repost with a Not Found error instead of includes.tweets.
    const message = v2Repost({ id: '121', originalId: '120', originalText: 'x'.repeat(200) });
    const { tweets: _gone, ...includes } = message.includes;
    const partial = {
      ...message,
      includes,
      errors: [
        {
          value: '120',
          detail: 'Could not find tweet with referenced_tweets.id: [120].',
          title: 'Not Found Error',
          resource_type: 'tweet',
          parameter: 'referenced_tweets.id',
          resource_id: '120',
          type: 'https://api.twitter.com/2/problems/resource-not-found',
        },
      ],
    };
    server = await startFakeXServer({ connections: [{ steps: [{ message: partial }] }] });
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: BEARER },
      keywords: ['aws'],
      apiUrl: server.url,
    });
    // Act
    const items = await take(source, 2);
    // Assess
    expect(items).toEqual([
      {
        kind: 'event',
        event: expect.objectContaining({
          id: '121',
          text: partial.data.text,
          kind: 'repost',
          ref: { id: '120', authorId: '6002', username: 'original' },
          truncated: true,
        }),
      },
      {
        kind: 'notice',
        notice: {
          line: 1,
          kind: 'error',
          title: 'Not Found Error',
          detail: 'Could not find tweet with referenced_tweets.id: [120].',
        },
      },
    ]);
  });

  it('tells the user about an in-stream X error that does not end the connection, and goes on', async () => {
    server = await startFakeXServer({
      connections: [
        {
          steps: [
            { message: { errors: [{ title: 'Invalid Request', detail: 'One or more rules could not be applied.' }] } },
            { message: v2Message({ id: '110' }) },
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
      onState: (s) => states.push(s),
    });
    const items = await take(source, 2);
    expect(items.map((i) => (i.kind === 'notice' ? `notice:${i.notice.title}@${i.notice.line}` : i.kind))).toEqual([
      'notice:Invalid Request@1',
      'event',
    ]);
    expect(states.find((s) => s.detail?.startsWith('X says'))).toEqual({
      state: 'connected',
      detail: 'X says: Invalid Request (One or more rules could not be applied.); the connection stays open',
    });
    expect(server.streamConnections).toBe(1);
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
