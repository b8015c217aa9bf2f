import { describe, expect, it } from 'vitest';
import { validateTweetEvent } from '../../lambda/contract/tweet-event.js';
import { syntheticTweets } from '../../src/ingest/sources/synthetic.js';

const take = (seed: number, count = 500) => [
  ...syntheticTweets({ seed, count, startTime: Date.UTC(2024, 0, 1), keywords: ['aws', 'serverless'] }),
];

describe('synthetic tweets', () => {
  it('are identical for the same seed', () => {
    expect(take(7)).toEqual(take(7));
  });

  it('differ for another seed, with distinct ids', () => {
    const a = take(7);
    const b = take(8);
    expect(a.map((e) => e.text)).not.toEqual(b.map((e) => e.text));
    expect(new Set([...a, ...b].map((e) => e.id)).size).toBe(1_000);
  });

  it('all satisfy the record contract', () => {
    const problems = take(11, 2_000)
      .map((e) => validateTweetEvent(e))
      .filter((r) => !r.ok);
    expect(problems).toEqual([]);
  });

  it('look realistic: several languages and scripts, emoji, hashtags, mentions and many users', () => {
    const events = take(3, 2_000);
    const langs = new Set(events.map((e) => e.lang));
    expect([...langs]).toEqual(expect.arrayContaining(['en', 'es', 'ja', 'ar']));
    expect(events.some((e) => /\p{Extended_Pictographic}/u.test(e.text))).toBe(true);
    expect(events.some((e) => /[\u3040-\u30ff]/.test(e.text))).toBe(true);
    expect(events.some((e) => /[\u0600-\u06ff]/.test(e.text))).toBe(true);
    expect(events.filter((e) => e.hashtags.length > 0).length).toBeGreaterThan(200);
    expect(events.filter((e) => e.mentions.length > 0).length).toBeGreaterThan(200);
    expect(new Set(events.map((e) => e.author.id)).size).toBeGreaterThan(100);
    expect(events.some((e) => e.hashtags.includes('aws'))).toBe(true);
  });

  it('advances createdAt from the start time', () => {
    const events = take(5, 50);
    const times = events.map((e) => Date.parse(e.createdAt));
    expect(times[0]).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 1));
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('never dates a tweet into the future when no start time is given, however fast it runs', () => {
    // Prepare: 3,000 tweets generated at once (the random steps alone add ~37 minutes)
    const before = Date.now();
    // Act
    const events = [...syntheticTweets({ seed: 11, count: 3_000 })];
    const after = Date.now();
    // Assess
    const times = events.map((e) => Date.parse(e.createdAt));
    expect(Math.max(...times)).toBeLessThanOrEqual(after);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(before);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('keeps the same tweets (all but the time) with and without a start time', () => {
    const strip = ({ createdAt: _time, ...rest }: { createdAt: string }) => rest;
    const live = [...syntheticTweets({ seed: 5, count: 20 })].map(strip);
    const fixed = [...syntheticTweets({ seed: 5, count: 20, startTime: Date.UTC(2024, 0, 1) })].map(strip);
    expect(live).toEqual(fixed);
  });
});
