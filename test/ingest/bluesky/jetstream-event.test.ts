/** Jetstream events into contract v2 posts: recorded and hand-made lines, field by field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateTweetEvent } from '../../../lambda/contract/tweet-event.js';
import { HandleCache } from '../../../src/ingest/bluesky/handle-cache.js';
import { createdAtOf, readJetstreamEvent } from '../../../src/ingest/bluesky/jetstream-event.js';
import { readPayloadLine } from '../../../src/ingest/normalise.js';
import { ROOT } from '../../helpers/cli.js';

const lines = (file: string) =>
  readFileSync(join(ROOT, 'test', 'fixtures', 'bluesky', file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const recorded = lines('jetstream-recorded.ndjson');
const handMade = lines('jetstream-hand-made.ndjson');
const noHandles = () => undefined;

describe('readJetstreamEvent', () => {
  it('reads a recorded post: TID id, DID author kept when the handle is unknown, tags in order, lang', () => {
    const outcome = readJetstreamEvent(recorded[0], noHandles);
    expect(outcome.kind).toBe('event');
    if (outcome.kind !== 'event') return;
    expect(outcome.event).toMatchObject({
      v: 2,
      id: '3lgqrjxvdr22a',
      createdAt: '2025-01-27T20:25:16.812Z',
      lang: 'en',
      author: { id: 'did:plc:a2f66gq7hjeo2ixej7jloq6l', username: 'did:plc:a2f66gq7hjeo2ixej7jloq6l', name: '' },
      hashtags: [
        'live',
        'WARFRAME',
        'twitchtv',
        'streamer',
        'invaderzim',
        'alien',
        'invader',
        'gaming',
        'pcgaming',
        'twitch',
        'vtuber',
        'pngtuber',
      ],
      mentions: [],
      source: 'bluesky',
      network: 'bluesky',
      kind: 'post',
      ref: null,
      truncated: false,
    });
    expect(outcome.event.text).toContain('LETS GO!\nwww.twitch.tv/paracast');
    expect(validateTweetEvent(outcome.event).ok).toBe(true);
  });

  it('names the author by handle once an identity event said it', () => {
    const cache = new HandleCache();
    cache.set('did:plc:a2f66gq7hjeo2ixej7jloq6l', 'paracast.bsky.social');
    const outcome = readJetstreamEvent(recorded[0], cache.get);
    expect(outcome.kind === 'event' && outcome.event.author.username).toBe('paracast.bsky.social');
  });

  it('reads identity and account events as notices', () => {
    expect(readJetstreamEvent(recorded[1], noHandles)).toEqual({
      kind: 'notice',
      notice: { kind: 'identity', detail: 'did:plc:5gdnhg7ftde36ov4bplkyt3w is @decormom.bsky.social' },
    });
    expect(readJetstreamEvent(recorded[2], noHandles)).toEqual({
      kind: 'notice',
      notice: { kind: 'account', detail: 'did:plc:5gdnhg7ftde36ov4bplkyt3w is active' },
    });
  });

  it('reads a quote with media (recordWithMedia) as a quote of the embedded post', () => {
    const outcome = readJetstreamEvent(recorded[3], noHandles);
    expect(outcome.kind === 'event' && outcome.event).toMatchObject({
      kind: 'quote',
      ref: { id: '3lgpvprrink2k', authorId: 'did:plc:dgmiuoyozdy7yqb5eg45iqxd', username: null },
    });
    const video = readJetstreamEvent(recorded[4], noHandles);
    expect(video.kind === 'event' && video.event).toMatchObject({ kind: 'post', ref: null, text: "We're back" });
  });

  it('reads a reply: mention from the byte range after emoji, tag facet, first language, createdAt with an offset', () => {
    const cache = new HandleCache();
    cache.set('did:plc:qrztwc5uo3l2eukncjgdyado', 'marcher.bsky.social');
    const outcome = readJetstreamEvent(handMade[0], cache.get);
    expect(outcome.kind).toBe('event');
    if (outcome.kind !== 'event') return;
    expect(outcome.event).toMatchObject({
      id: '3lgqvoxmp3c2k',
      text: 'Reply to @decormom.bsky.social 🚀👩🏽‍💻 about #Serverless on AWS',
      createdAt: '2025-01-27T21:39:29.500Z',
      lang: 'en',
      hashtags: ['Serverless'],
      mentions: ['decormom.bsky.social'],
      kind: 'reply',
      ref: { id: '3lgqvofb47k23', authorId: 'did:plc:qrztwc5uo3l2eukncjgdyado', username: 'marcher.bsky.social' },
    });
  });

  it('takes a hashtag from its byte range even when emoji come before it', () => {
    const text = '👩🏽‍💻🚀 #café time';
    const start = Buffer.byteLength('👩🏽‍💻🚀 ');
    const event = structuredClone(handMade[1]);
    event.commit.record = {
      text,
      createdAt: '2025-01-27T21:39:30.000Z',
      facets: [
        {
          features: [{ $type: 'app.bsky.richtext.facet#mention', did: 'did:plc:x' }],
          index: { byteStart: start, byteEnd: start + Buffer.byteLength('#café') },
        },
      ],
    };
    // A mention facet over "#café": the covered text does not start with @, so the DID stands in.
    const outcome = readJetstreamEvent(event, noHandles);
    expect(outcome.kind === 'event' && outcome.event.mentions).toEqual(['did:plc:x']);
  });

  it('reads a quote of a post, a delete as a notice, and a non-TID record key as bad', () => {
    const quote = readJetstreamEvent(handMade[1], noHandles);
    expect(quote.kind === 'event' && quote.event).toMatchObject({
      kind: 'quote',
      text: 'ça marche ✨',
      lang: null,
      ref: { id: '3lgqrjxvdr22a', authorId: 'did:plc:a2f66gq7hjeo2ixej7jloq6l', username: null },
    });
    expect(readJetstreamEvent(handMade[2], noHandles)).toMatchObject({ kind: 'notice', notice: { kind: 'delete' } });
    const badKey = readJetstreamEvent(handMade[3], noHandles);
    expect(badKey).toMatchObject({ kind: 'bad' });
    expect(badKey.kind === 'bad' && badKey.reason).toMatch(/post self by .*: id must be a 13-character TID/);
  });

  it('falls back to time_us when createdAt is not a date', () => {
    expect(createdAtOf({ createdAt: 'yesterday' }, 1738013963610312)).toBe('2025-01-27T21:39:23.610Z');
    expect(createdAtOf({ createdAt: '0000-01-01T00:00:00Z' }, 1738013963610312)).toBe('2025-01-27T21:39:23.610Z');
  });

  it('replays a capture through the file reader: identity lines name later posts, counts per line', () => {
    const context = { handles: new HandleCache() };
    const text = readFileSync(join(ROOT, 'test', 'fixtures', 'bluesky', 'jetstream-recorded.ndjson'), 'utf8');
    const handText = readFileSync(join(ROOT, 'test', 'fixtures', 'bluesky', 'jetstream-hand-made.ndjson'), 'utf8');
    const outcomes = [...text.trim().split('\n'), ...handText.trim().split('\n')].flatMap((line) =>
      readPayloadLine(line, 'replay', context),
    );
    const count = (kind: string) => outcomes.filter((o) => o.kind === kind).length;
    expect([count('event'), count('notice'), count('bad')]).toEqual([5, 3, 1]);
    const quote = outcomes.find((o) => o.kind === 'event' && o.event.id === '3lgqvoymq4d2k');
    // The identity line earlier in the input named this author.
    expect(quote?.kind === 'event' && quote.event).toMatchObject({
      source: 'replay',
      author: { username: 'decormom.bsky.social' },
    });
  });
});
