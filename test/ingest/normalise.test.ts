import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { normaliseLine, normaliseRecord, parseV1Date } from '../../src/ingest/normalise.js';
import { replayItems } from '../../src/ingest/sources/file-replay.js';
import type { SourceItem } from '../../src/ingest/sources/source.js';
import { ROOT } from '../helpers/cli.js';
import { tweetEvent } from '../helpers/records.js';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);

async function collect(input: string | Buffer): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of replayItems(Readable.from([Buffer.from(input)]), new AbortController().signal))
    items.push(item);
  return items;
}

describe('v1.1 statuses', () => {
  it('parses the v1.1 date format to ISO UTC', () => {
    expect(parseV1Date('Wed Oct 10 20:19:24 +0000 2018')).toBe('2018-10-10T20:19:24.000Z');
    expect(parseV1Date('Wed Oct 10 20:19:24 +0200 2018')).toBe('2018-10-10T18:19:24.000Z');
    expect(parseV1Date('yesterday')).toBeUndefined();
  });

  it('takes the full text and entities from extended_tweet, and the exact id from id_str', async () => {
    // Prepare
    const [line] = (await readFile(fixture('tweets-v1.jsonl'), 'utf8')).split('\n');
    // Act
    const result = normaliseLine(line as string);
    // Assess
    expect(result.ok && result.event).toMatchObject({
      v: 1,
      id: '1050118621198921728',
      createdAt: '2018-10-10T20:19:24.000Z',
      lang: 'en',
      author: { id: '6253282', username: 'TwitterAPI', name: 'Twitter API' },
      hashtags: ['TwitterAPI'],
      mentions: ['TwitterDev'],
      source: 'replay',
    });
    expect(result.ok && result.event.text).toMatch(/skin tone modifiers 👍🏻👍🏽👍🏿\. .*#TwitterAPI @TwitterDev$/s);
  });

  it('uses text and top-level entities when the status is not truncated', () => {
    const result = normaliseRecord({
      id_str: '5',
      created_at: 'Thu Apr 06 15:24:15 +0000 2017',
      text: 'hi #a @b #c',
      user: { id_str: '9', screen_name: 'someone', name: 'Some One' },
      entities: {
        hashtags: [
          { text: 'c', indices: [9, 11] },
          { text: 'a', indices: [3, 5] },
        ],
        user_mentions: [{ screen_name: 'b', indices: [6, 8] }],
      },
    });
    expect(result.ok && result.event).toMatchObject({
      id: '5',
      text: 'hi #a @b #c',
      lang: null,
      hashtags: ['a', 'c'],
      mentions: ['b'],
    });
  });

  it('refuses a status without a user', () => {
    expect(normaliseRecord({ id_str: '5', text: 'x', created_at: 'Thu Apr 06 15:24:15 +0000 2017' })).toEqual({
      ok: false,
      reason: 'status 5 has no user (id_str and screen_name)',
    });
  });
});

describe('v2 messages', () => {
  it('joins the author from includes.users and keeps entities in order', async () => {
    const [line] = (await readFile(fixture('tweets-v2.jsonl'), 'utf8')).split('\n');
    const result = normaliseLine(line as string, 'twitter');
    expect(result).toEqual({
      ok: true,
      event: {
        v: 1,
        id: '1445880548472328192',
        text: 'Serverless streaming with #aws Kinesis is 🔥 cc @awscloud',
        createdAt: '2021-10-06T22:38:51.000Z',
        lang: 'en',
        author: { id: '2244994945', username: 'XDevelopers', name: 'Developers' },
        hashtags: ['aws'],
        mentions: ['awscloud'],
        source: 'twitter',
      },
    });
  });

  it('prefers the note_tweet text of a long post', () => {
    const long = 'long '.repeat(100);
    const result = normaliseRecord({
      data: {
        id: '1',
        text: 'long long…',
        note_tweet: { text: long, entities: { hashtags: [{ start: 0, end: 3, tag: 'x' }] } },
        author_id: '2',
        created_at: '2023-01-01T00:00:00Z',
      },
      includes: { users: [{ id: '2', username: 'u', name: 'U' }] },
    });
    expect(result.ok && result.event).toMatchObject({
      text: long,
      hashtags: ['x'],
      createdAt: '2023-01-01T00:00:00.000Z',
    });
  });

  it('refuses a tweet whose author is not in includes', () => {
    const result = normaliseRecord({
      data: { id: '1', text: 't', author_id: '2', created_at: '2023-01-01T00:00:00Z' },
    });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/author 2 is not in includes\.users/) });
  });
});

describe('the contract shape (given-up files)', () => {
  it('passes a valid event through unchanged', () => {
    const event = tweetEvent();
    expect(normaliseLine(JSON.stringify(event))).toEqual({ ok: true, event });
  });

  it('refuses an event that breaks the contract, saying which field', () => {
    expect(normaliseLine(JSON.stringify({ ...tweetEvent(), id: 'abc' }))).toEqual({
      ok: false,
      reason: 'record contract: id must be a decimal string of 1-20 digits',
    });
  });
});

describe('replay lines', () => {
  it('reads both fixture files completely', async () => {
    const v1 = await collect(await readFile(fixture('tweets-v1.jsonl')));
    const v2 = await collect(await readFile(fixture('tweets-v2.jsonl')));
    expect(v1.map((i) => i.kind)).toEqual(['event', 'event', 'event', 'event']);
    expect(v2.map((i) => i.kind)).toEqual(['event', 'event', 'event']);
  });

  it('counts bad JSON, missing ids and authors with their line numbers, and keeps going', async () => {
    // Prepare
    const good = JSON.stringify(tweetEvent());
    const input = [
      good,
      '{not json',
      '',
      JSON.stringify({ text: 'no id' }),
      JSON.stringify({ id_str: '7', text: 'x' }),
      `${good}\r`,
    ].join('\n');
    // Act
    const items = await collect(input);
    // Assess
    expect(items.map((i) => (i.kind === 'bad' ? i.bad.line : 'event'))).toEqual(['event', 2, 4, 5, 'event']);
    const bad = items.flatMap((i) => (i.kind === 'bad' ? [i.bad] : []));
    expect(bad[0]).toMatchObject({ reason: expect.stringMatching(/^not JSON/), excerpt: '{not json' });
    expect(bad[2]?.reason).toMatch(/status 7 has no user/);
  });

  it('turns binary garbage into bad lines instead of crashing', async () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a, 0xc3, 0x28, 0x0a, 0x80, 0x81, 0x82]);
    const items = await collect(garbage);
    expect(items.map((i) => i.kind === 'bad' && i.bad.reason)).toEqual([
      'not valid UTF-8',
      'not valid UTF-8',
      'not valid UTF-8',
    ]);
  });
  it('stores a v1.1 stream retweet whole, X escapes undone, even through the first (v1) API', async () => {
    const [line] = (
      await readFile(join(ROOT, 'test', 'fixtures', 'x', 'v1-stream-retweet-extended.ndjson'), 'utf8')
    ).split('\n');
    const result = normaliseLine(line as string);
    expect(result.ok && result.event.text).toBe(
      'RT @ASlavitt: All of this could have ramped up and solved in January & February and right now we would be talking about containment. We could have also allowed labs to produce tests earlier or gotten WHO tests.\n\nWe did not. Why? In part Federal workers could not be seen contradicting Trump. 4/',
    );
    expect(result.ok && result.event.v).toBe(1);
  });

  it('does not call an X stream notice a bad line: it comes out as a notice, never as a post', async () => {
    const items: SourceItem[] = [];
    const input = Readable.from([
      Buffer.from('{"limit":{"track":1234}}\n{"delete":{"status":{"id_str":"1","user_id_str":"2"}}}\n'),
    ]);
    for await (const item of replayItems(input, new AbortController().signal)) items.push(item);
    expect(items.map((item) => (item.kind === 'notice' ? item.notice.kind : item.kind))).toEqual(['limit', 'delete']);
  });
});
