/** Browse's table: display widths, truncation and column layout. */
import { describe, expect, it } from 'vitest';
import type { EventItem } from '../../lambda/contract/table-layout.js';
import { stripAnsi } from '../../src/ui/style.js';
import { displayWidth, oneLine, truncateToWidth } from '../../src/ui/text-width.js';
import { formatArrival, itemLayout, renderItems } from '../../src/ui/tweet-table.js';
import { rejectedItem, tweetItem } from '../helpers/records.js';

const NOW = Date.now();

function sampleTweets(): EventItem[] {
  return [
    tweetItem({ arrivedMs: NOW - 3000, username: 'a', text: 'short' }),
    tweetItem({
      arrivedMs: NOW - 2000,
      username: 'a_very_long_username_indeed_42',
      text: 'Line one\nline two\r\n\tand a tab — then emoji 👨‍👩‍👧‍👦🎉🇯🇵 and more text '.repeat(4),
    }),
    tweetItem({
      arrivedMs: NOW - 1000,
      username: 'kanji',
      text: '東京で #AWS の勉強会を開催しました！皆さんありがとうございました 🙏'.repeat(3),
      lang: 'ja',
    }),
    tweetItem({ arrivedMs: NOW, username: 'nolang', text: 'e\u0301t\u00e9 café', lang: null }),
  ];
}

describe('displayWidth', () => {
  it('counts emoji and East Asian wide characters as two cells and marks as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('東京')).toBe(4);
    expect(displayWidth('🎉')).toBe(2);
    expect(displayWidth('👨‍👩‍👧‍👦')).toBe(2);
    expect(displayWidth('🇯🇵')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('❤️')).toBe(2);
    expect(displayWidth('ｆｕｌｌ')).toBe(8);
  });

  it('counts Devanagari spacing vowel signs as a cell, as terminals do, and nonspacing ones as none', () => {
    expect(displayWidth('सा')).toBe(2); // स + ा (spacing mark)
    expect(displayWidth('कि')).toBe(2); // क + ि (spacing mark)
    expect(displayWidth('के')).toBe(1); // क + े (nonspacing mark)
    expect(displayWidth('आज aws के साथ')).toBe(12);
  });

  it('truncates to the width with an ellipsis without splitting a grapheme', () => {
    expect(truncateToWidth('東京東京', 5)).toBe('東京…');
    expect(truncateToWidth('ab👨‍👩‍👧‍👦cd', 4)).toBe('ab…');
    expect(truncateToWidth('fits', 4)).toBe('fits');
  });

  it('collapses newlines and control characters to single spaces', () => {
    expect(oneLine('a\nb\r\n\tc  d\u2028e')).toBe('a b c d e');
  });
});

describe('itemLayout', () => {
  for (const width of [40, 60, 100, 200]) {
    it(`keeps every tweet line within ${width} columns, one line per item`, () => {
      const lines = renderItems(sampleTweets(), { kind: 'tweet', width, color: false, now: NOW }).split('\n');
      expect(lines).toHaveLength(5);
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    });

    it(`keeps every rejected line within ${width} columns`, () => {
      const items = [
        rejectedItem({
          arrivedMs: NOW,
          raw: '{"broken":\n"json 🎉 東京'.repeat(20),
          reason: 'record is not JSON: Unexpected token',
        }),
      ];
      const lines = renderItems(items, { kind: 'rejected', width, color: false, now: NOW }).split('\n');
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    });
  }

  it('shows time, user, text, language and id on a wide terminal, and drops id and language when narrow', () => {
    const items = sampleTweets();
    const wide = renderItems(items, { kind: 'tweet', width: 200, color: false, now: NOW }).split('\n');
    expect(wide[0]).toMatch(/^TIME\s+USER\s+TEXT\s+LANG\s+ID$/);
    expect(wide[3]).toContain('@kanji');
    expect(wide[3]).toContain((items[2] as { tweetId: string }).tweetId);
    expect(wide[2]).toContain('…');
    expect(wide[4]).toMatch(/\s-\s/);
    const narrow = renderItems(items, { kind: 'tweet', width: 40, color: false, now: NOW }).split('\n');
    expect(narrow[0]).toMatch(/^TIME\s+USER\s+TEXT$/);
  });

  it('prints rejected records with time, reason, raw, sequence number and shard', () => {
    const item = rejectedItem({
      arrivedMs: NOW,
      reason: 'record is not valid UTF-8',
      raw: 'abc',
      shardId: 'shardId-000000000003',
    });
    const lines = renderItems([item], { kind: 'rejected', width: 140, color: false, now: NOW }).split('\n');
    expect(lines[0]).toMatch(/^TIME\s+REASON\s+RAW\s+SEQ\s+SHARD$/);
    expect(lines[1]).toContain('record is not valid UTF-8');
    expect(lines[1]).toContain(`…${item.seq.slice(-12)}`);
    expect(lines[1]).toMatch(/\s3$/);
  });

  it('writes no escape codes without colour, and colour codes that do not count toward the width with it', () => {
    const plain = renderItems(sampleTweets(), { kind: 'tweet', width: 80, color: false, now: NOW });
    expect(plain).not.toContain('\u001B[');
    const coloured = renderItems(sampleTweets(), { kind: 'tweet', width: 80, color: true, now: NOW });
    expect(coloured).toContain('\u001B[');
    for (const line of coloured.split('\n')) expect(displayWidth(stripAnsi(line))).toBeLessThanOrEqual(80);
  });

  it('keeps columns aligned for rows rendered later (follow mode)', () => {
    const layout = itemLayout({ kind: 'tweet', width: 100, color: false, now: NOW, sample: sampleTweets() });
    const later = layout.row(tweetItem({ arrivedMs: NOW, username: 'x', text: 'new' }));
    const header = layout.header();
    expect(later.indexOf('new')).toBe(header.indexOf('TEXT'));
  });

  it('shows local HH:MM:SS for today and the date for older items', () => {
    const today = new Date(NOW);
    today.setHours(9, 5, 7, 0);
    expect(formatArrival(today.toISOString(), today.getTime(), true)).toBe('09:05:07');
    const older = new Date(today.getTime() - 3 * 86_400_000);
    expect(formatArrival(older.toISOString(), today.getTime(), true)).toMatch(/^\d{2}-\d{2} 09:05$/);
    const lines = renderItems([tweetItem({ arrivedMs: older.getTime() })], {
      kind: 'tweet',
      width: 100,
      color: false,
      now: today.getTime(),
    });
    expect(lines.split('\n')[1]).toMatch(/^\d{2}-\d{2} 09:05\s+@/);
  });
});
