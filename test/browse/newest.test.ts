import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourBucketOf, type TweetItem, writeShardOf } from '../../lambda/contract/table-layout.js';
import { browseTable } from '../../src/browse/browse.js';
import { readNewest } from '../../src/browse/newest.js';
import { UserError } from '../../src/errors.js';
import { createEventTable, type DynaliteHandle, putItems, startDynalite } from '../helpers/dynalite.js';
import { rejectedItem, tweetItem, tweetsEndingAt } from '../helpers/records.js';

// Ten seconds into the previous hour (so the newest items straddle a bucket boundary, and all of
// them precede the tables' real creation time, which bounds browseTable's walk).
const NOW = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000 + 10_000;
const now = () => NOW;

let fixture: DynaliteHandle;
let table: string;
let tweets: TweetItem[];

beforeAll(async () => {
  fixture = await startDynalite();
  table = await createEventTable(fixture);
  // 60 tweets one second apart: 50 in the 19:00 bucket, 10 in the 20:00 bucket.
  tweets = tweetsEndingAt(NOW - 1000, 60, 1000);
  const older = [tweetItem({ arrivedMs: NOW - 26 * 3_600_000, text: 'yesterday 🌅', username: 'early_bird' })];
  const special = [
    tweetItem({
      arrivedMs: NOW - 70_000,
      username: 'Kanji_Fan',
      text: '東京で #AWS の勉強会 🎉',
      lang: 'ja',
      hashtags: ['AWS'],
    }),
  ];
  await putItems(fixture, table, [...tweets, ...older, ...special]);
  await putItems(fixture, table, [
    rejectedItem({ arrivedMs: NOW - 5000, reason: 'record is not valid UTF-8' }),
    rejectedItem({ arrivedMs: NOW - 3_700_000, reason: 'id must be a decimal string of 1-20 digits' }),
  ]);
});

afterAll(async () => {
  await fixture?.close();
});

describe('readNewest', () => {
  it('returns the newest N across write shards and an hour boundary, newest last, using only Query', async () => {
    // Prepare
    fixture.client.sent.length = 0;
    // Act
    const result = await readNewest({ client: fixture.client, tableName: table, limit: 20, now });
    // Assess
    expect(result.items.map((item) => item.tsk)).toEqual(tweets.slice(-20).map((t) => t.tsk));
    const buckets = new Set(result.items.map((item) => item.tpk.split('#')[1]));
    expect(buckets).toEqual(new Set([hourBucketOf(NOW), hourBucketOf(NOW - 3_600_000)]));
    const shards = new Set(result.items.map((item) => writeShardOf((item as TweetItem).tweetId)));
    expect(shards.size).toBeGreaterThan(1);
    expect(new Set(fixture.client.sent)).toEqual(new Set(['QueryCommand']));
  });

  it('honours --limit', async () => {
    const result = await readNewest({ client: fixture.client, tableName: table, limit: 3, now });
    expect(result.items.map((item) => item.tsk)).toEqual(tweets.slice(-3).map((t) => t.tsk));
  });

  it('walks back to older buckets until N are found', async () => {
    const result = await readNewest({ client: fixture.client, tableName: table, limit: 62, now });
    expect(result.items).toHaveLength(62);
    expect((result.items[0] as TweetItem).text).toBe('yesterday 🌅');
    expect(result.items.at(-1)?.tsk).toBe(tweets.at(-1)?.tsk);
  });

  it('stops at the retention window on a sparse table without hundreds of sequential queries', async () => {
    // Prepare: an empty table; 30 days = 720 hour buckets; a client that counts queries in flight.
    const empty = await createEventTable(fixture);
    fixture.client.sent.length = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const counting = {
      send: async (command: unknown) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        try {
          return await fixture.client.send(command as never);
        } finally {
          inFlight -= 1;
        }
      },
    } as unknown as DynamoDBClient;
    // Act
    const result = await readNewest({ client: counting, tableName: empty, limit: 20, now, retentionDays: 30 });
    // Assess: every bucket of the window probed, never past it, many at a time rather than one by one
    expect(result.items).toEqual([]);
    expect(result.buckets).toBeLessThanOrEqual(30 * 24 + 1);
    expect(fixture.client.sent.every((name) => name === 'QueryCommand')).toBe(true);
    expect(mostInFlight).toBeGreaterThan(1);
  });

  it('stops the walk when interrupted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    const read = readNewest({ client: fixture.client, tableName: table, now, signal: controller.signal });
    await expect(read).rejects.toThrow('interrupted');
  });

  it('applies --since and --until to arrival times', async () => {
    const since = NOW - 15_000;
    const until = NOW - 5_000;
    const result = await readNewest({
      client: fixture.client,
      tableName: table,
      limit: 100,
      now,
      sinceMs: since,
      untilMs: until,
    });
    const expected = tweets.filter((t) => Date.parse(t.arrivedAt) >= since && Date.parse(t.arrivedAt) <= until);
    expect(result.items.map((item) => item.tsk)).toEqual(expected.map((t) => t.tsk));
    expect(expected).toHaveLength(11);
  });

  it('filters with --grep on text and hashtags, case-insensitively, reading on until N match', async () => {
    const byHashtag = await readNewest({
      client: fixture.client,
      tableName: table,
      limit: 5,
      now,
      filter: { grep: '#aws' },
    });
    expect(byHashtag.items.map((item) => (item as TweetItem).username)).toEqual(['Kanji_Fan']);
    const byText = await readNewest({
      client: fixture.client,
      tableName: table,
      limit: 2,
      now,
      filter: { grep: 'NUMBER' },
    });
    expect(byText.items.map((item) => item.tsk)).toEqual(tweets.slice(-2).map((t) => t.tsk));
  });

  it('shows rejected records from the same index', async () => {
    const result = await readNewest({ client: fixture.client, tableName: table, limit: 10, now, kind: 'rejected' });
    expect(result.items.map((item) => item.kind)).toEqual(['rejected', 'rejected']);
    expect(result.items.map((item) => (item.kind === 'rejected' ? item.reason : ''))).toEqual([
      'id must be a decimal string of 1-20 digits',
      'record is not valid UTF-8',
    ]);
  });
});

describe('browseTable', () => {
  it("reads one user's history through the base key, never the index", async () => {
    // Prepare
    const user = tweets[0]?.username as string;
    fixture.client.sent.length = 0;
    // Act
    const result = await browseTable({
      client: fixture.client,
      tableName: table,
      user: `@${user.toUpperCase()}`,
      limit: 4,
      now,
    });
    // Assess
    expect(result.via).toBe('user-history');
    const all = tweets.filter((t) => t.username === user);
    expect(result.items.map((item) => item.sk)).toEqual(all.slice(-4).map((t) => t.sk));
    expect(fixture.client.sent).toEqual(['QueryCommand']);
  });

  it('combines --user with --since through a filter on the arrival time', async () => {
    const user = tweets[0]?.username as string;
    const since = NOW - 20_000;
    const result = await browseTable({
      client: fixture.client,
      tableName: table,
      user,
      sinceMs: since,
      limit: 100,
      now,
    });
    const expected = tweets.filter((t) => t.username === user && Date.parse(t.arrivedAt) >= since);
    expect(result.items.map((item) => item.sk)).toEqual(expected.map((t) => t.sk));
    expect(expected.length).toBeGreaterThan(0);
  });

  it('returns items with the fields as stored (JSON shape)', async () => {
    const result = await browseTable({ client: fixture.client, tableName: table, limit: 1, now, grep: '東京' });
    expect(result.items).toEqual([
      expect.objectContaining({ kind: 'tweet', text: '東京で #AWS の勉強会 🎉', lang: 'ja', hashtags: ['AWS'], v: 1 }),
    ]);
    expect(typeof (result.items[0] as TweetItem).expiresAt).toBe('number');
    expect(Object.keys(result.items[0] as object).sort()).toEqual(Object.keys(tweetItem({ arrivedMs: NOW })).sort());
  });

  it("bounds the walk by the table's age: a young empty table costs a describe and a few queries", async () => {
    // Prepare
    const young = await createEventTable(fixture);
    fixture.client.sent.length = 0;
    // Act
    const result = await browseTable({ client: fixture.client, tableName: young, streamRetentionHours: 1 });
    // Assess
    expect(result.items).toEqual([]);
    expect(fixture.client.sent).toContain('DescribeTableCommand');
    expect(fixture.client.sent.filter((name) => name === 'QueryCommand').length).toBeLessThanOrEqual(4 * 3);
    expect(fixture.client.sent).not.toContain('ScanCommand');
  });

  it('says the table has no time index and what to run', async () => {
    const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
    await fixture.documents.send(
      new CreateTableCommand({
        TableName: 'no-index-EventData',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const error = await browseTable({ client: fixture.client, tableName: 'no-index-EventData' }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('Table no-index-EventData has no ByTime index, so browse cannot read it newest-first');
    expect(error.hint).toContain('streamproc deploy');
  });

  it('says the table does not exist and what to run', async () => {
    const error = await browseTable({ client: fixture.client, tableName: 'nope-EventData', now }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('Table nope-EventData does not exist');
    expect(error.hint).toContain('streamproc deploy');
  });

  it('says the engine is not reachable when nothing listens', async () => {
    const { recordingClient } = await import('../helpers/dynalite.js');
    const client = recordingClient('http://127.0.0.1:9');
    const error = await browseTable({ client, tableName: table, now, endpoint: 'http://127.0.0.1:9' }).catch((e) => e);
    client.destroy();
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('Cannot reach DynamoDB at http://127.0.0.1:9');
    expect(error.hint).toContain('streamproc deploy');
  });
});
