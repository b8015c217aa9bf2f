/** Mastodon's HTML content as text, Status entities as contract v2 events, SSE bytes as events, and the pure helpers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../../src/ingest/mastodon/html-text.js';
import { prevMinId, rateLimitDelayMs, streamsFor, timelineUrl } from '../../../src/ingest/mastodon/instance.js';
import { readMastodonStatus } from '../../../src/ingest/mastodon/status.js';
import { parseEventData, readMastodonEvent } from '../../../src/ingest/mastodon/stream-event.js';
import { readPayloadLine } from '../../../src/ingest/normalise.js';
import { ROOT } from '../../helpers/cli.js';

const fixture = (file: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'mastodon', file), 'utf8');
const statuses = JSON.parse(fixture('statuses.json')) as Record<string, unknown>[];
const eventOf = (value: unknown) => {
  const outcome = readMastodonStatus(value, 'mastodon.social');
  if (outcome.kind !== 'event') throw new Error(JSON.stringify(outcome));
  return outcome.event;
};

describe('htmlToText', () => {
  it('turns paragraphs and line breaks into newlines, decodes entities, keeps hashtags', () => {
    expect(htmlToText('<p>one &amp; two&nbsp;&#39;x&#39; &lt;3 &#x1F680;</p><p>three<br />four<br>five</p>')).toBe(
      "one & two\u00a0'x' <3 🚀\n\nthree\nfour\nfive",
    );
  });

  it('shows a shortened link as its full href, a plain link by its text', () => {
    const shortened =
      '<p><a href="https://example.com/a/very/long/path?q=1" rel="nofollow"><span class="invisible">https://</span><span class="ellipsis">example.com/a/very/lo</span><span class="invisible">ng/path?q=1</span></a></p>';
    expect(htmlToText(shortened)).toBe('https://example.com/a/very/long/path?q=1');
    expect(htmlToText('<p>see <a href="https://example.com/">the docs</a>.</p>')).toBe('see the docs.');
  });

  it('reads mentions as @user@instance, from the mentions list or the link', () => {
    const html =
      '<p><span class="h-card"><a href="https://fosstodon.org/@bob" class="u-url mention">@<span>bob</span></a></span> <span class="h-card"><a href="https://hachyderm.io/@eve" class="u-url mention">@<span>eve</span></a></span></p>';
    expect(htmlToText(html, [{ url: 'https://fosstodon.org/@bob', acct: 'bob@fosstodon.org' }])).toBe(
      '@bob@fosstodon.org @eve@hachyderm.io',
    );
  });

  it('drops the quote-inline paragraph, keeps list items and unknown tags’ text, survives broken HTML', () => {
    expect(htmlToText('<p class="quote-inline">RE: <a href="x">x</a></p><p>mine</p>')).toBe('mine');
    expect(htmlToText('<ul><li>a</li><li><b>b</b></li></ul>')).toBe('- a\n- b');
    expect(htmlToText('<p>1 < 2 and <a href="u">open')).toBe('1 < 2 and open');
  });
});

describe('readMastodonStatus (fixtures after the Status entity docs)', () => {
  it('a post: text as read, author with the instance, hashtags, mentions, language, time', () => {
    expect(eventOf(statuses[0])).toEqual({
      v: 2,
      id: '113586200112233445',
      text: 'Cold starts on #AWS Lambda are down to ~100\u00a0ms & that\'s "fast" 🚀\n\nThanks @bob@fosstodon.org and @carol@mastodon.social!\nDetails: https://aws.amazon.com/blogs/compute/understanding-and-remediating-cold-starts-an-aws-lambda-perspective/ #serverless',
      createdAt: '2024-12-02T10:15:30.123Z',
      lang: 'en',
      author: { id: '109302391254893142', username: 'alice@mastodon.social', name: 'Alice Ops ☁️' },
      hashtags: ['aws', 'serverless'],
      mentions: ['bob@fosstodon.org', 'carol@mastodon.social'],
      source: 'mastodon',
      network: 'mastodon',
      kind: 'post',
      ref: null,
      truncated: false,
    });
  });

  it('a boost: kind repost, the boosted status referenced, its text and tags', () => {
    expect(eventOf(statuses[1])).toMatchObject({
      id: '113586200998877665',
      kind: 'repost',
      ref: { id: '113586200112233445', authorId: '109302391254893142', username: 'alice@mastodon.social' },
      text: 'Kinesis shards explained #kinesis',
      hashtags: ['kinesis'],
      lang: 'en',
      author: { username: 'dave@hachyderm.io', name: 'dave' },
    });
  });

  it('a reply with a content warning: kind reply, the parent and its author from the mentions', () => {
    expect(eventOf(statuses[2])).toMatchObject({
      kind: 'reply',
      ref: { id: '113586200112233445', authorId: '109302391254893142', username: 'alice@mastodon.social' },
      text: 'AWS bill talk\n\n@alice@mastodon.social Schöne Grüße <3 – unsere Rechnung sank um 40%',
      lang: 'de',
      mentions: ['alice@mastodon.social'],
    });
  });

  it('a Mastodon 4.4 quote: kind quote, the quoted status referenced, the RE: line dropped', () => {
    expect(eventOf(statuses[3])).toMatchObject({
      kind: 'quote',
      ref: { id: '113586200112233445', username: 'alice@mastodon.social' },
      text: 'This, but for #DynamoDB too',
    });
  });

  it('gives a reason for what is not a usable status', () => {
    expect(readMastodonStatus({ id: 'x', account: {}, content: '' }, 'h')).toMatchObject({ kind: 'bad' });
    expect(readMastodonStatus({ ...statuses[0], created_at: 'soon' }, 'h')).toEqual({
      kind: 'bad',
      reason: 'status 113586200112233445: created_at "soon" is not a time',
    });
  });
});

describe('the streaming bytes', () => {
  it('parses heartbeats, multi-line data, update, delete and status.update', () => {
    const seen: { event: string; outcome: ReturnType<typeof readMastodonEvent> }[] = [];
    let comments = 0;
    const parser = createParser({
      onEvent: (e) => {
        const data = parseEventData(e.data);
        seen.push({ event: e.event ?? 'message', outcome: readMastodonEvent(e.event ?? '', data, 'mastodon.social') });
      },
      onComment: () => {
        comments += 1;
      },
    });
    parser.feed(fixture('streaming-public.sse'));
    expect(comments).toBe(3);
    expect(seen.map((s) => [s.event, s.outcome.kind])).toEqual([
      ['update', 'event'],
      ['delete', 'notice'],
      ['status.update', 'event'],
    ]);
    expect(seen[1]?.outcome).toEqual({
      kind: 'notice',
      notice: { kind: 'delete', detail: 'status 113586200112233445 deleted' },
    });
    const texts = seen.flatMap((s) => (s.outcome.kind === 'event' ? [s.outcome.event.text] : []));
    expect(texts).toEqual(['Hello #AWS', 'Hello again']);
  });

  it('replays a --record capture line through --file’s reader', () => {
    const line = JSON.stringify({
      mastodon: 'https://mastodon.social',
      stream: 'hashtag:aws',
      event: 'update',
      data: statuses[0],
    });
    const [outcome] = readPayloadLine(line);
    expect(outcome).toMatchObject({
      kind: 'event',
      event: { id: '113586200112233445', source: 'replay', network: 'mastodon' },
    });
    const deleted = JSON.stringify({
      mastodon: 'https://mastodon.social',
      stream: 'public',
      event: 'delete',
      data: '1',
    });
    expect(readPayloadLine(deleted)).toEqual([
      { kind: 'notice', notice: { kind: 'delete', detail: 'status 1 deleted' } },
    ]);
  });
});

describe('stream choice and REST paging', () => {
  it('one hashtag stream per one-word keyword, else the public stream', () => {
    expect(streamsFor(['aws', '#Serverless', 'AWS'])).toEqual([
      { kind: 'hashtag', tag: 'aws' },
      { kind: 'hashtag', tag: 'serverless' },
    ]);
    expect(streamsFor(['aws', 'aws lambda'])).toEqual([{ kind: 'public' }]);
    expect(streamsFor(['c++'])).toEqual([{ kind: 'public' }]);
  });

  it('pages timelines with min_id and reads the Link header’s prev', () => {
    expect(timelineUrl(new URL('https://m.example'), { kind: 'hashtag', tag: 'aws' }, '5')).toBe(
      'https://m.example/api/v1/timelines/tag/aws?min_id=5&limit=40',
    );
    expect(
      prevMinId(
        '<https://m.example/api/v1/timelines/public?max_id=10>; rel="next", <https://m.example/api/v1/timelines/public?min_id=42>; rel="prev"',
      ),
    ).toBe('42');
    expect(prevMinId(null)).toBeUndefined();
  });

  it('waits per Retry-After (seconds or a date) or X-RateLimit-Reset, whichever is later', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(rateLimitDelayMs(new Headers({ 'retry-after': '7' }), now)).toBe(7_000);
    expect(rateLimitDelayMs(new Headers({ 'x-ratelimit-reset': '2026-12-02T12:05:00.000Z' }), now)).toBe(300_000);
    expect(rateLimitDelayMs(new Headers({ 'retry-after': 'Wed, 02 Dec 2026 12:00:30 GMT' }), now)).toBe(30_000);
    expect(rateLimitDelayMs(new Headers({}), now)).toBeUndefined();
  });
});
