/** A Mastodon instance's URLs: which streams a keyword list needs, their SSE and REST timeline addresses. */
import { UserError } from '../../errors.js';

export const MASTODON_DEFAULT_INSTANCE = 'https://mastodon.social';
/** Overrides the instance for a run (tests, a private instance), like STREAMPROC_JETSTREAM_URL for Bluesky. */
export const MASTODON_URL_ENV = 'STREAMPROC_MASTODON_URL';
/** The REST timelines' largest page. */
export const TIMELINE_PAGE_LIMIT = 40;

/**
 * One streaming connection: the public (federated) stream, filtered here by keyword, or one
 * hashtag's stream. Mastodon's SSE endpoint takes one `tag` per connection (the multiplexed form
 * is the WebSocket API), so hashtag streams are one connection each.
 */
export type MastodonStream = { kind: 'public' } | { kind: 'hashtag'; tag: string };

/** A keyword Mastodon can follow as a hashtag: one word of letters, digits and `_` (`#` optional). */
const HASHTAGGABLE = /^#?[\p{L}\p{N}_]+$/u;
/** More hashtag connections than this would be rude to an instance: the public stream is used instead. */
export const MAX_HASHTAG_STREAMS = 10;

/**
 * Hashtag streams when every keyword is a single hashtag-able word (at most
 * {@link MAX_HASHTAG_STREAMS}); otherwise the public stream, filtered here. A hashtag stream
 * carries only posts tagged `#aws`, not those that merely say "aws": the price of not reading the
 * whole federated timeline (which is what the client-side filter needs).
 */
export function streamsFor(keywords: readonly string[]): MastodonStream[] {
  const words = keywords.map((k) => k.trim()).filter((k) => k.length > 0);
  const tags = [...new Set(words.map((k) => k.replace(/^#/, '').toLowerCase()))];
  if (words.length > 0 && words.every((k) => HASHTAGGABLE.test(k)) && tags.length <= MAX_HASHTAG_STREAMS) {
    return tags.map((tag) => ({ kind: 'hashtag', tag }));
  }
  return [{ kind: 'public' }];
}

export function streamLabel(stream: MastodonStream): string {
  return stream.kind === 'public' ? 'public' : `hashtag:${stream.tag}`;
}

/** Checks an instance URL (http or https; a bare host gets https://) and keeps its origin. */
export function mastodonInstance(
  url: string,
  hint = `Pass --instance https://mastodon.social (or your instance).`,
): URL {
  let parsed: URL | undefined;
  const text = url.trim();
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    throw new UserError(`Mastodon instance ${JSON.stringify(url)} is not an http:// or https:// URL`, {
      hint,
      code: 'MASTODON_INSTANCE',
    });
  }
  return new URL(parsed.origin);
}

export function streamUrl(instance: URL, stream: MastodonStream): string {
  const url = new URL(stream.kind === 'public' ? '/api/v1/streaming/public' : '/api/v1/streaming/hashtag', instance);
  if (stream.kind === 'hashtag') url.searchParams.set('tag', stream.tag);
  return url.toString();
}

/** The REST timeline a stream mirrors, from just after `minId` (the oldest page newer than it). */
export function timelineUrl(instance: URL, stream: MastodonStream, minId: string): string {
  const path =
    stream.kind === 'public' ? '/api/v1/timelines/public' : `/api/v1/timelines/tag/${encodeURIComponent(stream.tag)}`;
  const url = new URL(path, instance);
  url.searchParams.set('min_id', minId);
  url.searchParams.set('limit', String(TIMELINE_PAGE_LIMIT));
  return url.toString();
}

/** `min_id` of the `rel="prev"` link of a timeline page (the page after this one, newer), if given. */
export function prevMinId(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    if (!/rel="?prev"?/.test(part)) continue;
    const url = /<([^>]+)>/.exec(part)?.[1];
    if (!url) continue;
    try {
      return new URL(url).searchParams.get('min_id') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Milliseconds to wait after a 429, from `Retry-After` (seconds or an HTTP date) or Mastodon's
 * `X-RateLimit-Reset` (an ISO 8601 time), whichever is later; undefined when neither says.
 */
export function rateLimitDelayMs(headers: Headers, nowMs = Date.now()): number | undefined {
  const waits: number[] = [];
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) waits.push(seconds * 1000);
    else if (!Number.isNaN(Date.parse(retryAfter))) waits.push(Date.parse(retryAfter) - nowMs);
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && !Number.isNaN(Date.parse(reset))) waits.push(Date.parse(reset) - nowMs);
  if (waits.length === 0) return undefined;
  return Math.max(0, Math.min(24 * 60 * 60 * 1000, Math.max(...waits)));
}
