import { describe, expect, it } from 'vitest';
import type { PostEvent } from '../../../lambda/contract/tweet-event.js';
import { type PayloadOutcome, readPayloadLine, type XNotice } from '../../../src/ingest/normalise.js';
import { corpusFiles, corpusLines } from './corpus.js';

/**
 * Every line of the X corpus, and exactly what it becomes. Events are compared whole, so every
 * stored field (id, text, kind, referenced post, hashtags, mentions, lang, createdAt, truncated,
 * author) is asserted; notices by kind, X title and detail; bad lines by reason.
 */

type Expected = { event: Omit<PostEvent, 'v' | 'source' | 'network'> } | { notice: XNotice } | { bad: RegExp };

const post = (fields: Omit<PostEvent, 'v' | 'source' | 'network'>): Expected => ({ event: fields });
const notice = (kind: XNotice['kind'], detail: string, title?: string): Expected => ({
  notice: title === undefined ? { kind, detail } : { kind, title, detail },
});

const X_ORIGIN = { id: '900000000000000002', username: 'fixture_origin', name: 'Fixture Origin' };
const X_REPOSTER = { id: '900000000000000001', username: 'fixture_reposter', name: 'Fixture Reposter' };
const KINESIS_POST =
  'Kinesis & Lambda <3 a stream that never sleeps. Shards, batches, checkpoints, retries, bisecting on errors, partial batch responses, the whole lot, and the table fills up in order: #serverless #aws cc @fixture_friend';
const LONG_POST =
  'A long post about replaying X captures > 280 characters: the text field stops here, and note_tweet holds the rest of it, which X only sends when tweet.fields includes note_tweet. Without that field every long post is cut at the same place, so the normaliser must read note_tweet.text first, keep its own entities (#longposts and a mention of @fixture_friend that only the note carries), and leave &quot;quotes&quot; exactly as X sent them.';

/** Per corpus file, per line, what the line holds (a page line holds several). */
const EXPECTED: Record<string, Expected[][]> = {
  'v1-rest-compat-truncated.ndjson': [
    [
      post({
        id: '782737772490600448',
        text: 'has more details about these changes.  Thanks for making more expressive!writing requirements to python_twitt pytho… https://t.co/et3OTOxWSa',
        createdAt: '2016-10-03T00:23:22.000Z',
        lang: 'en',
        author: { id: '4012966701', username: 'notinourselves', name: 'notinourselves' },
        hashtags: [],
        mentions: [],
        kind: 'post',
        ref: null,
        truncated: true,
      }),
    ],
  ],
  'v1-rest-quote-compat.ndjson': [
    [
      post({
        id: '849424628401541121',
        text: '1) Make album https://t.co/VS5PhdwUjd\n2) Release album\n3) Tour\n4) Make open source alternative to twitter\n\nPretty b… https://t.co/t2rFVWy6Fm',
        createdAt: '2017-04-05T00:53:07.000Z',
        lang: 'en',
        author: { id: '18065572', username: 'mastodonmusic', name: 'Mastodon' },
        hashtags: [],
        mentions: [],
        kind: 'quote',
        ref: { id: '849412806835351552', authorId: '29040347', username: 'kylesethgray' },
        truncated: true,
      }),
    ],
  ],
  'v1-rest-reply.ndjson': [
    [
      post({
        id: '273458810042077184',
        text: '@zeldman The quick brown dog jumped over the lazy fox.',
        createdAt: '2012-11-27T16:10:35.000Z',
        lang: null,
        author: { id: '505943647', username: 'IlnickiStudios', name: 'Ilnicki Studios' },
        hashtags: [],
        mentions: ['zeldman', 'meyerweb'],
        kind: 'reply',
        ref: { id: '273449400200753152', authorId: '61133', username: 'zeldman' },
        truncated: false,
      }),
    ],
  ],
  'v1-rest-retweet-full-text.ndjson': [
    [
      post({
        id: '1266393580223987713',
        text: 'RT @Desiree_Laverne: #MyBeautifulAfrica....❤\nAardwolf.. https://t.co/9C7MjkQaIp',
        createdAt: '2020-05-29T15:38:52.000Z',
        lang: 'nl',
        author: { id: '294630844', username: 'broux73', name: 'BR&ON' },
        hashtags: ['MyBeautifulAfrica'],
        mentions: ['Desiree_Laverne'],
        kind: 'repost',
        ref: { id: '1266286830116200448', authorId: '2314937901', username: 'Desiree_Laverne' },
        truncated: false,
      }),
    ],
  ],
  'v1-site-stream-hand-made.ndjson': [
    [
      notice(
        'warning',
        'FOLLOWS_OVER_LIMIT: The requested user follows more accounts than the maximum supported by this streaming endpoint. Only a subset of 10000 followed accounts are included in this stream.',
      ),
    ],
    [notice('control', 'control stream /1.1/site/c/1_1_54e345d655ee3e8df359ac9d8a79d4b4')],
    [notice('friends', 'friends list of 0 accounts')],
  ],
  'v1-stream-extended.ndjson': [
    [
      post({
        id: '1207497000637231109',
        text: 'i want to listen to the beatles when it’s 12 am on new year’s day so then i can say the first thing i did in a new decade was listen to my favorite artist',
        createdAt: '2019-12-19T03:04:53.000Z',
        lang: 'en',
        author: { id: '1007724483615051776', username: 'siegelbeatle', name: 'sarah' },
        hashtags: [],
        mentions: [],
        kind: 'post',
        ref: null,
        truncated: false,
      }),
    ],
  ],
  'v1-stream-notices.ndjson': [
    [notice('delete', 'post 1234 by user 3 deleted')],
    [notice('scrub_geo', 'remove geo data of user 14090452 up to post 23260136625')],
    [notice('limit', 'undelivered posts since the connection opened: 1234 (track)')],
    [notice('status_withheld', 'post 1234567890 by user 123456 withheld in DE, AR')],
    [notice('user_withheld', 'user 123456 withheld in DE, AR')],
    [notice('disconnect', 'code 4')],
    [
      notice(
        'warning',
        'FALLING_BEHIND: Your connection is falling behind and messages are being queued for delivery to you. Your queue is now over 60% full. You will be disconnected when the queue is full.',
      ),
    ],
    [notice('friends', 'friends list of 4 accounts')],
    [notice('event', 'account event user_update')],
  ],
  'v1-stream-retweet-extended.ndjson': [
    [
      post({
        id: '1238355913519456257',
        text: 'RT @ASlavitt: All of this could have ramped up and solved in January & February and right now we would be talking about containment. We could have also allowed labs to produce tests earlier or gotten WHO tests.\n\nWe did not. Why? In part Federal workers could not be seen contradicting Trump. 4/',
        createdAt: '2020-03-13T06:47:11.000Z',
        lang: 'en',
        author: { id: '16622854', username: 'Steffes', name: 'Steffes' },
        hashtags: [],
        mentions: ['ASlavitt'],
        kind: 'repost',
        ref: { id: '1238305425050808320', authorId: '1383272101', username: 'ASlavitt' },
        truncated: false,
      }),
    ],
  ],
  'v2-page-errors-hand-made.ndjson': [
    [
      post({
        id: '1700000000000000105',
        text: 'first of two found posts #pages',
        createdAt: '2024-05-01T12:03:00.000Z',
        lang: 'en',
        author: X_ORIGIN,
        hashtags: ['pages'],
        mentions: [],
        kind: 'post',
        ref: null,
        truncated: false,
      }),
      post({
        id: '1700000000000000106',
        text: '@fixture_origin second found post, a reply',
        createdAt: '2024-05-01T12:04:00.000Z',
        lang: 'en',
        author: X_REPOSTER,
        hashtags: [],
        mentions: ['fixture_origin'],
        kind: 'reply',
        ref: { id: '1700000000000000105', authorId: '900000000000000002', username: 'fixture_origin' },
        truncated: false,
      }),
      notice('error', 'Could not find tweet with ids: [1700000000000000199].', 'Not Found Error'),
    ],
    [notice('empty-page', 'a page with no posts (result_count 0)')],
    [
      notice(
        'error',
        'Sorry, you are not authorized to see the Tweet with ids: [1700000000000000198].',
        'Authorization Error',
      ),
    ],
  ],
  'v2-page-quote-reply.ndjson': [
    [
      post({
        id: '1576995594388000768',
        text: '@wongmjane Test \nhttps://t.co/rBFwqjVr6B',
        createdAt: '2022-10-03T18:00:23.000Z',
        lang: 'en',
        author: { id: '1494167419413094401', username: 'dappdavid99', name: 'david' },
        hashtags: [],
        mentions: ['wongmjane'],
        kind: 'quote',
        ref: { id: '1576994746135764992', authorId: '337119125', username: 'wongmjane' },
        truncated: false,
      }),
    ],
  ],
  'v2-retweet-note-hand-made.ndjson': [
    [
      post({
        id: '1700000000000000101',
        text: `RT @fixture_origin: ${KINESIS_POST}`,
        createdAt: '2024-05-01T12:00:05.000Z',
        lang: 'en',
        author: X_REPOSTER,
        hashtags: ['serverless', 'aws'],
        mentions: ['fixture_origin', 'fixture_friend'],
        kind: 'repost',
        ref: { id: '1700000000000000100', authorId: '900000000000000002', username: 'fixture_origin' },
        truncated: false,
      }),
    ],
    [
      post({
        id: '1700000000000000102',
        text: 'RT @fixture_origin: Kinesis & Lambda <3 a stream that never sleeps. Shards, batches, checkpoints, retries, bisecting on errors, partial batch responses, the whole…',
        createdAt: '2024-05-01T12:00:07.000Z',
        lang: 'en',
        author: { id: '900000000000000004', username: 'fixture_no_expansion', name: 'No Expansion' },
        hashtags: [],
        mentions: ['fixture_origin'],
        kind: 'repost',
        ref: { id: '1700000000000000100', authorId: '900000000000000002', username: 'fixture_origin' },
        truncated: true,
      }),
    ],
    [
      post({
        id: '1700000000000000103',
        text: LONG_POST,
        createdAt: '2024-05-01T12:01:00.000Z',
        lang: 'en',
        author: X_ORIGIN,
        hashtags: ['longposts'],
        mentions: ['fixture_friend'],
        kind: 'post',
        ref: null,
        truncated: false,
      }),
    ],
    [
      post({
        id: '1700000000000000104',
        text: `RT @fixture_origin: ${LONG_POST}`,
        createdAt: '2024-05-01T12:02:00.000Z',
        lang: 'en',
        author: X_REPOSTER,
        hashtags: ['longposts'],
        mentions: ['fixture_origin', 'fixture_friend'],
        kind: 'repost',
        ref: { id: '1700000000000000103', authorId: '900000000000000002', username: 'fixture_origin' },
        truncated: false,
      }),
    ],
  ],
  'v2-stream-errors.ndjson': [
    [notice('error', 'This stream has been disconnected upstream for operational reasons.', 'operational-disconnect')],
    [notice('error', 'This stream is currently at the maximum allowed connection limit.', 'ConnectionException')],
  ],
  'v2-stream-lines.ndjson': [
    [
      post({
        id: '1377650090978992134',
        text: 'Fury https://t.co/YbMgHU5xRX https://t.co/tXgDG9jrKX',
        createdAt: '2021-04-01T15:52:31.000Z',
        lang: 'en',
        author: { id: '4602771083', username: 'blackheart_265', name: 'Endangered Species' },
        hashtags: [],
        mentions: [],
        kind: 'quote',
        ref: { id: '1377640162566496258', authorId: '41783881', username: 'Manie_DS' },
        truncated: false,
      }),
    ],
    [
      post({
        id: '1377650387579248643',
        text: 'Sometimes I wish she would just relax😅😘🐶\n#DogsofTwitter #dogs https://t.co/1QpZlXcAkj',
        createdAt: '2021-04-01T15:53:42.000Z',
        lang: 'en',
        author: { id: '387869763', username: 'OpenMindMH', name: 'Rachel' },
        hashtags: ['DogsofTwitter', 'dogs'],
        mentions: [],
        kind: 'post',
        ref: null,
        truncated: false,
      }),
    ],
    [
      post({
        id: '1377650459033280516',
        text: '@AndrewDoak_WWL TBH tons of street dogs in Lubbock. Kinda a problem. Lol',
        createdAt: '2021-04-01T15:53:59.000Z',
        lang: 'en',
        author: { id: '4818117674', username: 'courtney_fromm', name: 'Courtney Fromm' },
        hashtags: [],
        mentions: ['AndrewDoak_WWL'],
        kind: 'reply',
        ref: { id: '1377645742874038274', authorId: '262333880', username: 'AndrewDoak_WWL' },
        truncated: false,
      }),
    ],
    // The recording ends inside a line (the capture was cut off): corruption, not a notice.
    [{ bad: /^not JSON/ }],
  ],
};

function asExpected(outcome: PayloadOutcome): unknown {
  if (outcome.kind === 'event') return outcome;
  if (outcome.kind === 'notice') return outcome;
  return { kind: 'bad', reason: outcome.reason };
}

function toOutcome(expected: Expected): unknown {
  if ('event' in expected) {
    return { kind: 'event', event: { v: 2, source: 'replay', network: 'x', ...expected.event } };
  }
  if ('notice' in expected) return { kind: 'notice', notice: expected.notice };
  return { kind: 'bad', reason: expect.stringMatching(expected.bad) };
}

describe('the X corpus, line by line', () => {
  it('has an expectation for every corpus file and every line in it', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(corpusFiles());
    for (const file of corpusFiles()) expect([file, corpusLines(file).length]).toEqual([file, EXPECTED[file]?.length]);
  });

  for (const file of Object.keys(EXPECTED).sort()) {
    it(`reads ${file} field by field`, () => {
      const lines = corpusLines(file);
      lines.forEach((line, index) => {
        const got = readPayloadLine(line, 'replay').map(asExpected);
        const want = (EXPECTED[file]?.[index] ?? []).map(toOutcome);
        expect({ line: index + 1, outcomes: got }).toEqual({ line: index + 1, outcomes: want });
      });
    });
  }

  it('never stores a cut repost or long post when the full text is in the payload', () => {
    for (const file of corpusFiles()) {
      for (const line of corpusLines(file)) {
        const raw = line.includes('"extended_tweet"') || line.includes('"note_tweet"') || line.includes('"full_text"');
        for (const outcome of readPayloadLine(line)) {
          if (outcome.kind !== 'event') continue;
          const event = outcome.event as PostEvent;
          if (event.truncated) {
            // Only where X cut the text and the whole text was nowhere in the payload.
            expect(event.text.includes('…'), `${file} ${event.id}`).toBe(true);
            continue;
          }
          if (event.kind === 'repost' || raw) expect(event.text.endsWith('…'), `${file} ${event.id}`).toBe(false);
        }
      }
    }
  });
});
