import { describe, expect, it } from 'vitest';
import {
  decodeTweetEvent,
  encodeTweetEvent,
  type PostEvent,
  partitionKeyOf,
  type TweetEventV1,
  validateTweetEvent,
} from '../../../lambda/contract/tweet-event.js';

const v1 = (): TweetEventV1 => ({
  v: 1,
  id: '1050118621198921728',
  text: 'To make room for more expression 👍🏿 #TwitterAPI @TwitterDev',
  createdAt: '2018-10-10T20:19:24.000Z',
  lang: 'en',
  author: { id: '6253282', username: 'TwitterAPI', name: 'Twitter API' },
  hashtags: ['TwitterAPI'],
  mentions: ['TwitterDev'],
  source: 'replay',
});

const v2 = (fields: Partial<PostEvent> = {}): PostEvent => ({
  v: 2,
  id: '1238355913519456257',
  text: 'RT @ASlavitt: All of this could have ramped up and solved in January & February',
  createdAt: '2020-03-13T06:47:11.000Z',
  lang: 'en',
  author: { id: '16622854', username: 'Steffes', name: 'Steffes' },
  hashtags: [],
  mentions: ['ASlavitt'],
  source: 'replay',
  network: 'x',
  kind: 'repost',
  ref: { id: '1238305425050808320', authorId: '1383272101', username: 'ASlavitt' },
  truncated: false,
  ...fields,
});

describe('contract v1', () => {
  it('is still valid, and comes back exactly as it was', () => {
    // Prepare
    const event = v1();
    // Act
    const result = decodeTweetEvent(encodeTweetEvent(event));
    // Assess
    expect(result).toEqual({ ok: true, event });
  });

  it('keeps its own sources: a v1 record cannot claim a v2-only one', () => {
    expect(validateTweetEvent({ ...v1(), source: 'bluesky' })).toEqual({
      ok: false,
      reason: 'source must be one of twitter, replay, synthetic',
    });
  });

  it('drops v2 fields a v1 record happens to carry, so v1 items keep their old attributes', () => {
    const result = validateTweetEvent({ ...v1(), kind: 'repost', network: 'x' });
    expect(result).toEqual({ ok: true, event: v1() });
  });
});

describe('contract v2', () => {
  it('round-trips an X repost with its referenced post', () => {
    const event = v2();
    expect(decodeTweetEvent(encodeTweetEvent(event))).toEqual({ ok: true, event });
    expect(partitionKeyOf(event)).toBe('16622854');
  });

  it('holds a plain post (no ref), a truncated post, a quote and a reply with an unknown author', () => {
    const events = [
      v2({ kind: 'post', ref: null }),
      v2({ kind: 'post', ref: null, truncated: true }),
      v2({ kind: 'quote', ref: { id: '1', authorId: null, username: null } }),
      v2({ kind: 'reply', ref: { id: '2', authorId: '3', username: null } }),
    ];
    for (const event of events) expect(validateTweetEvent(event)).toEqual({ ok: true, event });
  });

  it('fits Bluesky and Mastodon posts without another version', () => {
    const bluesky = v2({
      id: '3l3qo2vuowo2b',
      author: { id: 'did:plc:z72i7hdynmk6r22z27h6tvur', username: 'bsky.app', name: 'Bluesky' },
      source: 'bluesky',
      network: 'bluesky',
      kind: 'reply',
      ref: { id: '3l3qo2vutsw2b', authorId: 'did:plc:z72i7hdynmk6r22z27h6tvur', username: 'bsky.app' },
    });
    const mastodon = v2({
      id: '113246582398437190',
      author: { id: '109302', username: 'Gargron@mastodon.social', name: 'Eugen Rochko' },
      source: 'mastodon',
      network: 'mastodon',
      kind: 'post',
      ref: null,
    });
    expect(validateTweetEvent(bluesky)).toEqual({ ok: true, event: bluesky });
    expect(validateTweetEvent(mastodon)).toEqual({ ok: true, event: mastodon });
  });

  it('keeps only contract fields', () => {
    const result = validateTweetEvent({ ...v2(), extra: 'dropped', ref: { ...v2().ref, extra: 1 } });
    expect(result).toEqual({ ok: true, event: v2() });
  });

  it.each([
    [{ network: 'myspace' }, 'network must be one of x, bluesky, mastodon, synthetic'],
    [{ kind: 'retweet' }, 'kind must be one of post, repost, quote, reply'],
    [{ kind: 'post' }, 'ref must be null for a post'],
    [{ ref: null }, 'ref must name the post a repost refers to'],
    [{ ref: { id: 'abc', authorId: null, username: null } }, 'ref.id must be a decimal string of 1-20 digits'],
    [
      { ref: { id: '1', authorId: 'x', username: null } },
      'ref.authorId must be a decimal string of 1-20 digits or null',
    ],
    [
      { ref: { id: '1', authorId: null, username: 'a b' } },
      'ref.username must be 1-50 letters, digits or underscores or null',
    ],
    [{ truncated: 'no' }, 'truncated must be true or false'],
    [{ truncated: undefined }, 'truncated must be true or false'],
    [{ source: 'file' }, 'source must be one of twitter, replay, synthetic, bluesky, mastodon'],
    [{ id: '3l3qo2vuowo2b' }, 'id must be a decimal string of 1-20 digits'],
    [{ network: 'bluesky', id: '1238355913519456257' }, 'id must be a 13-character TID'],
    [
      { network: 'mastodon', author: { id: '109302', username: 'Gargron', name: 'E' } },
      'author.username must be user@instance',
    ],
    [
      { createdAt: 'Fri Mar 13 06:47:11 +0000 2020' },
      'createdAt must be an ISO 8601 UTC timestamp like 2018-10-10T20:19:24.000Z',
    ],
  ])('refuses %j, saying why', (fields, reason) => {
    expect(validateTweetEvent({ ...v2(), ...fields })).toEqual({ ok: false, reason });
  });

  it('names the versions it accepts when given another', () => {
    expect(validateTweetEvent({ ...v2(), v: 3 })).toEqual({
      ok: false,
      reason: 'unsupported event version 3 (expected v: 1 or 2)',
    });
  });
});
