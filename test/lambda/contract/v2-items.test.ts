import { describe, expect, it } from 'vitest';
import { type TweetItem, tweetSortKey, userPartitionKey } from '../../../lambda/contract/table-layout.js';
import { encodeTweetEvent, type PostEvent, type TweetEventV1 } from '../../../lambda/contract/tweet-event.js';
import { buildItem, type ItemContext } from '../../../lambda/processor/items.js';
import { marshallItem } from '../../../lambda/processor/marshall.js';
import type { KinesisStreamRecord } from '../../../lambda/processor/types.js';

const ctx: ItemContext = { nowMs: 1_795_637_731_000, processedAt: '2026-11-25T20:15:31.000Z', retentionDays: 30 };

function record(event: object, seq = '49590338271490256608559692538361571095921575989136588801'): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: '16622854',
      sequenceNumber: seq,
      data: Buffer.from(encodeTweetEvent(event as PostEvent)).toString('base64'),
      approximateArrivalTimestamp: 1_795_637_730.25,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${seq}`,
    eventName: 'aws:kinesis:record',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/test',
  };
}

const v1: TweetEventV1 = {
  v: 1,
  id: '1238355913519456257',
  text: 'hello',
  createdAt: '2020-03-13T06:47:11.000Z',
  lang: 'en',
  author: { id: '16622854', username: 'Steffes', name: 'Steffes' },
  hashtags: [],
  mentions: [],
  source: 'replay',
};

const v2: PostEvent = {
  ...v1,
  v: 2,
  text: 'RT @ASlavitt: All of this could have ramped up and solved in January & February',
  mentions: ['ASlavitt'],
  network: 'x',
  kind: 'repost',
  ref: { id: '1238305425050808320', authorId: '1383272101', username: 'ASlavitt' },
  truncated: false,
};

const V2_ATTRIBUTES = ['network', 'postKind', 'refId', 'refAuthorId', 'refUsername', 'truncated'];

describe('items from v1 and v2 records', () => {
  it('writes a v1 record exactly as before: no v2 attribute appears', () => {
    const item = buildItem(record(v1), ctx) as TweetItem;
    expect(item.kind).toBe('tweet');
    expect(Object.keys(marshallItem(item)).filter((key) => V2_ATTRIBUTES.includes(key))).toEqual([]);
    expect(item.v).toBe(1);
  });

  it('writes the v2 fields into the item under the same keys a v1 record of that post gets', () => {
    // Act
    const item = buildItem(record(v2), ctx) as TweetItem;
    // Assess: same keys (idempotent per post), the new attributes beside the old ones.
    expect(item).toMatchObject({
      pk: userPartitionKey('Steffes'),
      sk: tweetSortKey('1238355913519456257'),
      kind: 'tweet',
      v: 2,
      text: v2.text,
      source: 'replay',
      network: 'x',
      postKind: 'repost',
      refId: '1238305425050808320',
      refAuthorId: '1383272101',
      refUsername: 'ASlavitt',
      truncated: false,
    });
    const v1Item = buildItem(record(v1), ctx) as TweetItem;
    expect([item.pk, item.sk]).toEqual([v1Item.pk, v1Item.sk]);
  });

  it('marshals the v2 attributes, leaving out a referenced author the payload did not name', () => {
    const event: PostEvent = {
      ...v2,
      kind: 'quote',
      ref: { id: '1', authorId: null, username: null },
      truncated: true,
    };
    const map = marshallItem(buildItem(record(event), ctx));
    expect(Object.fromEntries(V2_ATTRIBUTES.filter((key) => key in map).map((key) => [key, map[key]]))).toEqual({
      network: { S: 'x' },
      postKind: { S: 'quote' },
      refId: { S: '1' },
      truncated: { BOOL: true },
    });
  });

  it('rejects a broken v2 record with the reason, as it rejects a broken v1 record', () => {
    const item = buildItem(record({ ...v2, kind: 'post' }), ctx);
    expect(item).toMatchObject({ kind: 'rejected', reason: 'ref must be null for a post' });
  });
});
