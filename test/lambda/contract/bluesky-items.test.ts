/** Bluesky posts through the contract and the processor: DID or handle as username, TID ids, keys apart from X's. */
import { describe, expect, it } from 'vitest';
import { encodeTweetEvent, type PostEvent, validateTweetEvent } from '../../../lambda/contract/tweet-event.js';
import { buildItem, type ItemContext } from '../../../lambda/processor/items.js';
import type { KinesisStreamRecord } from '../../../lambda/processor/types.js';

const ctx: ItemContext = { nowMs: 1_795_637_731_000, processedAt: '2026-11-25T20:15:31.000Z', retentionDays: 30 };
const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';

const post: PostEvent = {
  v: 2,
  id: '3lgqvoxmp3c2k',
  text: 'Reply to @decormom.bsky.social 🚀 about #Serverless',
  createdAt: '2025-01-27T21:39:29.500Z',
  lang: 'en',
  author: { id: DID, username: 'alice.example.com', name: 'Alice' },
  hashtags: ['Serverless'],
  mentions: ['decormom.bsky.social'],
  source: 'bluesky',
  network: 'bluesky',
  kind: 'reply',
  ref: { id: '3lgqvofb47k23', authorId: 'did:plc:qrztwc5uo3l2eukncjgdyado', username: null },
  truncated: false,
};

const record = (event: object): KinesisStreamRecord => ({
  kinesis: {
    kinesisSchemaVersion: '1.0',
    partitionKey: DID,
    sequenceNumber: '49590338271490256608559692538361571095921575989136588801',
    data: Buffer.from(encodeTweetEvent(event as PostEvent)).toString('base64'),
    approximateArrivalTimestamp: 1_795_637_730.25,
  },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: 'shardId-000000000000:49590338271490256608559692538361571095921575989136588801',
  eventName: 'aws:kinesis:record',
  awsRegion: 'us-east-1',
  eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/test',
});

describe('the record contract for Bluesky posts', () => {
  it('accepts a handle or, when the handle was unknown, the DID as the username (and as ref.username)', () => {
    expect(validateTweetEvent(post)).toEqual({ ok: true, event: post });
    const byDid = { ...post, author: { ...post.author, username: DID }, ref: { ...post.ref, username: DID } };
    expect(validateTweetEvent(byDid).ok).toBe(true);
  });

  it('still refuses what is neither, a DID on X, and an id that is not a TID', () => {
    expect(validateTweetEvent({ ...post, author: { ...post.author, username: 'did:nope' } })).toEqual({
      ok: false,
      reason: 'author.username must be a domain-style handle or the DID',
    });
    expect(
      validateTweetEvent({
        ...post,
        network: 'x',
        id: '1',
        author: { id: '1', username: DID, name: '' },
        ref: null,
        kind: 'post',
      }),
    ).toEqual({
      ok: false,
      reason: 'author.username must be 1-50 letters, digits or underscores',
    });
    expect(validateTweetEvent({ ...post, id: 'self' })).toMatchObject({
      ok: false,
      reason: 'id must be a 13-character TID',
    });
  });

  it('becomes an item keyed by handle (or DID) and TID, with the network, apart from any X key', () => {
    const item = buildItem(record(post), ctx);
    expect(item).toMatchObject({
      kind: 'tweet',
      pk: 'user#alice.example.com',
      sk: 'tweet#00000003lgqvoxmp3c2k',
      network: 'bluesky',
      source: 'bluesky',
      postKind: 'reply',
      refId: '3lgqvofb47k23',
      refAuthorId: 'did:plc:qrztwc5uo3l2eukncjgdyado',
      authorId: DID,
    });
    const byDid = buildItem(record({ ...post, author: { ...post.author, username: DID } }), ctx);
    expect(byDid).toMatchObject({ kind: 'tweet', pk: `user#${DID}` });
  });
});
