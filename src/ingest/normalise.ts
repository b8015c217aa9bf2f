/** Every X payload shape (and the contract's own) into posts, notices or bad lines; total functions. */
import {
  type PostSource,
  TWEET_EVENT_VERSION,
  type TweetEvent,
  type TweetEventV1,
  type TweetSource,
  validateTweetEvent,
} from '../../lambda/contract/tweet-event.js';
import type { HandleCache } from './bluesky/handle-cache.js';
import { identityOf, isJetstreamEvent, readJetstreamEvent } from './bluesky/jetstream-event.js';
import { isMastodonCapture, readMastodonCapture } from './mastodon/stream-event.js';
import { isObject, type Json } from './x/json.js';
import { isProblem, noticeLabel, problemNotice, v1NoticeOf } from './x/notices.js';
import { bad, fromPost, noticeOutcome, type PayloadOutcome } from './x/outcome.js';
import { readV1Status } from './x/v1-status.js';
import { readV2Message, readV2Tweet } from './x/v2-message.js';

export { parseV1Date } from './x/json.js';
export type { XNotice, XNoticeKind } from './x/notices.js';
export { noticeLabel } from './x/notices.js';
export type { PayloadOutcome } from './x/outcome.js';

/**
 * Turns what X sends (v2 stream messages and response pages, v1.1 statuses and stream notices
 * from capture files) and the contract's own shape (a given-up file written by `ingest`) into
 * what it is: posts (contract v2 events), notices, or bad input with a reason. Every function
 * here is total: a reason instead of an exception, so that one bad line never stops a run.
 */
export function readPayload(
  value: unknown,
  source: PostSource = 'replay',
  context: ReadContext = {},
): PayloadOutcome[] {
  // A v1.1 REST response (a timeline, a lookup) is a list of statuses, and some archivers write
  // one response per line.
  if (Array.isArray(value) && value.length > 0 && value.every(isObject)) {
    return value.flatMap((item) => readPayload(item, source, context));
  }
  if (!isObject(value)) return [bad('not a JSON object')];
  // A Jetstream event (a `--record` capture of --bluesky): identity lines name the authors of later posts.
  if (isJetstreamEvent(value)) {
    const identity = identityOf(value);
    if (identity) context.handles?.set(identity.did, identity.handle);
    return [readJetstreamEvent(value, context.handles?.get ?? (() => undefined), source)];
  }
  // A Mastodon streaming event as `--record` writes it (see MastodonCapture).
  if (isMastodonCapture(value)) return [readMastodonCapture(value, source)];
  if ('v' in value) {
    const checked = validateTweetEvent(value);
    return [checked.ok ? { kind: 'event', event: checked.event } : bad(`record contract: ${checked.reason}`)];
  }
  // Site streams wrap every message in an envelope naming the user it is for.
  if ('for_user' in value && isObject(value.message)) return readPayload(value.message, source);
  if ('data' in value || 'includes' in value || 'errors' in value || 'meta' in value) {
    return readV2Message(value, source);
  }
  if (isObject(value.user) || 'id_str' in value) return [fromPost(readV1Status(value, source))];
  const notice = v1NoticeOf(value);
  if (notice) return [noticeOutcome(notice)];
  if (isProblem(value)) return [noticeOutcome(problemNotice(value))];
  if ('author_id' in value) {
    return [bad(`v2 tweet ${String(value.id)} without includes.users: no author username`)];
  }
  return [bad('neither a v2 message, a v1.1 status nor a streamproc event')];
}

/** What a reader keeps between lines of one input: the Bluesky handles its identity lines named. */
export interface ReadContext {
  handles?: Pick<HandleCache, 'get' | 'set'>;
}

/** Parses one line of text and reads it; see {@link readPayload}. */
export function readPayloadLine(
  line: string,
  source: PostSource = 'replay',
  context: ReadContext = {},
): PayloadOutcome[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return [bad(`not JSON (${(error as Error).message})`)];
  }
  return readPayload(parsed, source, context);
}

// The first API, kept until the live stream and its tests move to readPayload: one v1 event per
// payload. Its events now carry complete reposts and unescaped text too, without v2's fields.

/** @deprecated Use {@link readPayload}: it returns v2 events, notices and every post of a page. */
export type NormaliseResult = { ok: true; event: TweetEvent } | { ok: false; reason: string };

/** The v1 view of an event: the fields v1 has, or the event itself when it is v1 already. */
function asV1(event: TweetEvent): NormaliseResult {
  if (event.v === TWEET_EVENT_VERSION) return { ok: true, event };
  const v1: TweetEventV1 = {
    v: TWEET_EVENT_VERSION,
    id: event.id,
    text: event.text,
    createdAt: event.createdAt,
    lang: event.lang,
    author: event.author,
    hashtags: event.hashtags,
    mentions: event.mentions,
    source: event.source as TweetSource,
  };
  const checked = validateTweetEvent(v1);
  return checked.ok ? checked : { ok: false, reason: checked.reason };
}

function firstOf(outcomes: PayloadOutcome[]): NormaliseResult {
  const event = outcomes.find((outcome) => outcome.kind === 'event');
  if (event) return asV1(event.event);
  const first = outcomes[0];
  if (first?.kind === 'notice') return { ok: false, reason: `X notice, not a post: ${noticeLabel(first.notice)}` };
  return { ok: false, reason: first?.kind === 'bad' ? first.reason : 'no post in the payload' };
}

/** @deprecated Use {@link readPayload}. */
export function normaliseV2(tweet: unknown, users: unknown, source: TweetSource): NormaliseResult {
  const includes = { users: Array.isArray(users) ? users.filter(isObject) : [], tweets: [] };
  const result = readV2Tweet(tweet, includes, source);
  return result.ok ? asV1(result.event) : result;
}

/** @deprecated Use {@link readPayload}. */
export function normaliseV1(status: Json, source: TweetSource): NormaliseResult {
  const result = readV1Status(status, source);
  return result.ok ? asV1(result.event) : result;
}

/** @deprecated Use {@link readPayload}; this returns the first post of the message only. */
export function normaliseV2Message(message: unknown, source: TweetSource): NormaliseResult {
  if (!isObject(message)) return { ok: false, reason: 'not a JSON object' };
  if (!isObject(message.data) && !Array.isArray(message.data)) {
    return { ok: false, reason: Array.isArray(message.errors) ? 'X error message, not a tweet' : 'no "data" object' };
  }
  return firstOf(readV2Message(message, source));
}

/** @deprecated Use {@link readPayload}. */
export function normaliseRecord(value: unknown, source: TweetSource = 'replay'): NormaliseResult {
  return firstOf(readPayload(value, source));
}

/** @deprecated Use {@link readPayloadLine}. */
export function normaliseLine(line: string, source: TweetSource = 'replay'): NormaliseResult {
  return firstOf(readPayloadLine(line, source));
}
