import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  REJECTED_RAW_MAX_BYTES,
  rejectedPartitionKey,
  rejectedSortKey,
  TIME_INDEX_NAME,
  timeIndexPartitions,
  tweetSortKey,
  userPartitionKey,
} from '../../../lambda/contract/table-layout.js';
import type { TweetEvent } from '../../../lambda/contract/tweet-event.js';
import { createHandler, type ProcessorHandler } from '../../../lambda/processor/handler.js';
import { createEventTable, type DynaliteHandle, scanAll, startDynalite } from '../../helpers/dynalite.js';
import {
  ARRIVAL_SECONDS,
  kinesisEvent,
  kinesisRecord,
  lambdaContext,
  SHARD_ID,
  tweetEvent,
  tweetRecord,
  utf8,
} from '../../helpers/records.js';

const NOW = Date.parse('2026-11-25T20:16:00.000Z');

describe('processor against dynalite', () => {
  let db: DynaliteHandle;
  let table: string;
  let logs: string[];
  let handler: ProcessorHandler;

  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    table = await createEventTable(db);
    logs = [];
    handler = createHandler({
      client: db.writer,
      tableName: table,
      retentionDays: 7,
      now: () => NOW,
      log: (line) => logs.push(line),
    });
  });

  const getTweet = async (event: TweetEvent) =>
    (
      await db.documents.send(
        new GetCommand({
          TableName: table,
          Key: { pk: userPartitionKey(event.author.username), sk: tweetSortKey(event.id) },
        }),
      )
    ).Item;
  const batchLog = () => JSON.parse(logs.find((line) => line.includes('"msg":"batch"')) ?? '{}');

  it('returns no failures for an empty event', async () => {
    // Act
    const response = await handler(kinesisEvent([]), lambdaContext());
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(batchLog()).toMatchObject({ records: 0, written: 0 });
  });

  it('stores each tweet with keys, contract fields, TTL and an entry in the ByTime index', async () => {
    // Prepare
    const events = [tweetEvent({ lang: null, mentions: ['aws'] }), tweetEvent(), tweetEvent()];
    const records = events.map((event) => tweetRecord(event));
    // Act
    const response = await handler(kinesisEvent(records), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const first = events[0] as TweetEvent;
    expect(await getTweet(first)).toEqual({
      pk: userPartitionKey(first.author.username),
      sk: tweetSortKey(first.id),
      tpk: expect.stringMatching(/^tweet#2026-11-25T20#[0-3]$/),
      tsk: `2026-11-25T20:15:30.250Z#${first.id}`,
      kind: 'tweet',
      v: 1,
      tweetId: first.id,
      text: first.text,
      createdAt: first.createdAt,
      arrivedAt: '2026-11-25T20:15:30.250Z',
      processedAt: '2026-11-25T20:16:00.000Z',
      authorId: first.author.id,
      username: first.author.username,
      name: first.author.name,
      lang: null,
      hashtags: ['serverless'],
      mentions: ['aws'],
      source: 'synthetic',
      seq: records[0]?.kinesis.sequenceNumber,
      shardId: SHARD_ID,
      expiresAt: Math.floor(ARRIVAL_SECONDS) + 7 * 86_400,
    });
    const indexed: string[] = [];
    for (const tpk of timeIndexPartitions('tweet', '2026-11-25T20')) {
      const page = await db.documents.send(
        new QueryCommand({
          TableName: table,
          IndexName: TIME_INDEX_NAME,
          KeyConditionExpression: 'tpk = :tpk',
          ExpressionAttributeValues: { ':tpk': tpk },
        }),
      );
      indexed.push(...(page.Items ?? []).map((item) => item.tweetId as string));
    }
    expect(indexed.sort()).toEqual(events.map((event) => event.id).sort());
    expect(batchLog()).toMatchObject({
      level: 'info',
      records: 3,
      written: 3,
      rejected: 0,
      failed: 0,
      shardIds: [SHARD_ID],
    });
  });

  it('keeps UTF-8 text byte for byte: emoji, Japanese, Arabic, combining characters', async () => {
    // Prepare
    const texts = [
      'Launch day 🚀🦄 family 👩‍👩‍👧‍👦 flags 🇯🇵🇸🇦',
      'ストリーム処理のテストです。日本語のツイート',
      'مرحبا بالعالم — اختبار معالجة التدفق',
      'Cafe\u0301 nai\u0308ve Z\u0335\u0321a\u0337lgo', // decomposed forms must not be normalised
    ];
    const events = texts.map((text) => {
      const event = tweetEvent({ text, hashtags: ['日本', 'عربي'], lang: 'und' });
      return { ...event, author: { ...event.author, name: '山田 太郎 🌸' } };
    });
    // Act
    const response = await handler(kinesisEvent(events.map((event) => tweetRecord(event))), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    for (const event of events) {
      const item = await getTweet(event);
      expect(item?.text).toBe(event.text);
      expect(Buffer.from(item?.text as string)).toEqual(Buffer.from(event.text));
      expect(item).toMatchObject({ name: '山田 太郎 🌸', hashtags: ['日本', 'عربي'] });
    }
    expect(logs.join('\n')).not.toContain('ストリーム'); // no tweet text at info level
  });

  it('stores a tweet with empty text, display name and entity lists', async () => {
    // Prepare
    const base = tweetEvent({ text: '', hashtags: [], mentions: [] });
    const event = { ...base, author: { ...base.author, name: '' } };
    // Act
    const response = await handler(kinesisEvent([tweetRecord(event)]), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await getTweet(event)).toMatchObject({ text: '', name: '', hashtags: [], mentions: [] });
  });

  it('writes one item for a tweet delivered several times, within and across batches; the last wins', async () => {
    // Prepare
    const event = tweetEvent();
    const batch = [tweetRecord(event), tweetRecord(tweetEvent()), tweetRecord(event), tweetRecord(event)];
    const redelivery = tweetRecord(event);
    // Act
    const first = await handler(kinesisEvent(batch), lambdaContext());
    const second = await handler(kinesisEvent([redelivery]), lambdaContext());
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(JSON.parse(logs[0] as string)).toMatchObject({ records: 4, written: 2, duplicates: 2 });
    const items = await scanAll(db.documents, table);
    expect(items.filter((item) => item.tweetId === event.id)).toHaveLength(1);
    expect((await getTweet(event))?.seq).toBe(redelivery.kinesis.sequenceNumber);
    expect(items).toHaveLength(2);
  });

  it('keeps malformed records as rejected items with reason and raw payload, beside the good ones', async () => {
    // Prepare
    const good = [tweetEvent(), tweetEvent()];
    const oversizedText = '日本語'.repeat(25_000); // 225,000 bytes; truncation must not split a character
    const bad = {
      base64: kinesisRecord({ data: 'not base64!' }, { partitionKey: 'p-b64' }),
      utf8: kinesisRecord(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { partitionKey: 'p-utf8' }),
      json: kinesisRecord(utf8('hello, not json'), { partitionKey: 'p-json' }),
      shape: kinesisRecord(utf8(JSON.stringify({ v: 1, id: 'abc' })), { partitionKey: 'p-shape' }),
      oversized: kinesisRecord(utf8(JSON.stringify(tweetEvent({ text: oversizedText }))), { partitionKey: 'p-big' }),
    };
    const records = [
      tweetRecord(good[0]),
      bad.base64,
      bad.utf8,
      bad.json,
      tweetRecord(good[1]),
      bad.shape,
      bad.oversized,
    ];
    // Act
    const response = await handler(kinesisEvent(records), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    for (const event of good) expect(await getTweet(event)).toMatchObject({ kind: 'tweet', tweetId: event.id });
    const rejected = async (record: (typeof records)[number]) =>
      (
        await db.documents.send(
          new GetCommand({
            TableName: table,
            Key: { pk: rejectedPartitionKey(SHARD_ID), sk: rejectedSortKey(record.kinesis.sequenceNumber) },
          }),
        )
      ).Item;
    expect(await rejected(bad.base64)).toMatchObject({
      kind: 'rejected',
      reason: 'record data is not valid base64',
      raw: 'not base64!',
      partitionKey: 'p-b64',
      seq: bad.base64.kinesis.sequenceNumber,
      shardId: SHARD_ID,
      arrivedAt: '2026-11-25T20:15:30.250Z',
      expiresAt: Math.floor(ARRIVAL_SECONDS) + 7 * 86_400,
      tpk: expect.stringMatching(/^rejected#2026-11-25T20#[0-3]$/),
    });
    expect(await rejected(bad.utf8)).toMatchObject({
      reason: 'record is not valid UTF-8',
      raw: '{\uFFFD\uFFFD}',
      rawBytes: 4,
    });
    expect(await rejected(bad.json)).toMatchObject({
      reason: expect.stringMatching(/^record is not JSON/),
      raw: 'hello, not json',
    });
    expect(await rejected(bad.shape)).toMatchObject({
      reason: 'id must be a decimal string of 1-20 digits',
      rawTruncated: false,
    });
    const big = await rejected(bad.oversized);
    expect(big).toMatchObject({ reason: expect.stringContaining('over the 65536-byte limit'), rawTruncated: true });
    expect(big?.rawBytes).toBeGreaterThan(225_000);
    expect(Buffer.byteLength(big?.raw as string)).toBeLessThanOrEqual(REJECTED_RAW_MAX_BYTES);
    expect(big?.raw).not.toContain('\uFFFD');
    expect(batchLog()).toMatchObject({ records: 7, written: 7, rejected: 5, failed: 0 });
    expect(logs.join('\n')).not.toContain('hello, not json'); // raw payloads stay out of info logs
  });

  it("skips producer rotate's key-check record (nothing stored), but stores a look-alike as rejected", async () => {
    // Prepare: the record `producer rotate` puts with a new key (src/producer/key-check.ts), and
    // records that share only its partition key or only its marker.
    const { keyCheckRecord } = await import('../../../src/producer/key-check.js');
    const check = kinesisRecord(keyCheckRecord('demo', 'AKIA0002NEW', new Date(NOW)), {
      partitionKey: 'streamproc-producer-key-check',
    });
    const samePartitionKey = kinesisRecord(utf8('{"streamproc":"something-else"}'), {
      partitionKey: 'streamproc-producer-key-check',
    });
    const sameMarker = kinesisRecord(keyCheckRecord('demo', 'AKIA0002NEW', new Date(NOW)), { partitionKey: 'p-1' });
    const post = tweetEvent();
    // Act
    const response = await handler(
      kinesisEvent([check, tweetRecord(post), samePartitionKey, sameMarker]),
      lambdaContext(),
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await getTweet(post)).toMatchObject({ kind: 'tweet' });
    const items = await scanAll(db.documents, table);
    expect(items.map((item) => item.kind).sort()).toEqual(['rejected', 'rejected', 'tweet']);
    expect(items.map((item) => item.seq)).not.toContain(check.kinesis.sequenceNumber);
    expect(batchLog()).toMatchObject({ records: 4, written: 3, rejected: 2, duplicates: 0, keyChecks: 1 });
  });

  it('logs each rejected record with its reason at debug level', async () => {
    // Prepare
    const debugHandler = createHandler({
      client: db.writer,
      tableName: table,
      logLevel: 'debug',
      log: (l) => logs.push(l),
    });
    const record = kinesisRecord(utf8('[]'));
    // Act
    await debugHandler(kinesisEvent([record]), lambdaContext());
    // Assess
    expect(logs.map((line) => JSON.parse(line))).toContainEqual({
      level: 'debug',
      msg: 'rejected',
      seq: record.kinesis.sequenceNumber,
      reason: 'event is not a JSON object',
    });
  });
});
