/** What one X payload becomes: posts, notices, or a reason it could not be used. */
import type { PostEvent, TweetEvent } from '../../../lambda/contract/tweet-event.js';
import type { XNotice } from './notices.js';

/**
 * One thing a payload line holds. A line can hold several (a v2 page: its posts and its partial
 * errors), so readers return a list; an empty line holds nothing.
 */
export type PayloadOutcome =
  | { kind: 'event'; event: TweetEvent }
  | { kind: 'notice'; notice: XNotice | JetstreamNotice | MastodonNotice }
  | { kind: 'bad'; reason: string };

/**
 * What Bluesky's Jetstream sends besides posts: `identity` (a handle change), `account` (an
 * account's status), `delete` (a post deleted), `update` of a record that is not a usable post.
 */
export interface JetstreamNotice {
  kind: 'identity' | 'account' | 'delete' | 'commit';
  title?: string;
  detail: string;
}

/**
 * What a Mastodon stream sends besides posts: `delete` (a status id deleted), and the events a
 * public or hashtag stream does not normally carry (`notification`, `filters_changed`, …) by name.
 */
export interface MastodonNotice {
  kind: string;
  title?: string;
  detail: string;
}

/** A post read from one X object, or why it could not be. */
export type PostResult = { ok: true; event: PostEvent } | { ok: false; reason: string };

export const bad = (reason: string): PayloadOutcome => ({ kind: 'bad', reason });
export const noticeOutcome = (notice: XNotice): PayloadOutcome => ({ kind: 'notice', notice });
export const fromPost = (result: PostResult): PayloadOutcome =>
  result.ok ? { kind: 'event', event: result.event } : bad(result.reason);
