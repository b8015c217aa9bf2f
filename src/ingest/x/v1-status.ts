/** X API v1.1 statuses (REST, stream, compat and extended mode) into contract v2 events. */
import {
  POST_EVENT_VERSION,
  type PostEvent,
  type PostKind,
  type PostRef,
  type PostSource,
  validateTweetEvent,
} from '../../../lambda/contract/tweet-event.js';
import { isObject, isoInstant, type Json, parseV1Date, str, v1IdOf } from './json.js';
import type { PostResult } from './outcome.js';
import { inOrder, unescapeXText, withFirst } from './text.js';

interface StatusText {
  text: string;
  hashtags: string[];
  mentions: string[];
  /** X cut the text (compat mode) and the full text is nowhere in the status. */
  cut: boolean;
}

/**
 * The longest text a status carries: `extended_tweet.full_text` (stream, compat mode),
 * `full_text` (REST, extended mode), else `text`, with the entities that go with it.
 */
function statusText(status: Json): StatusText | undefined {
  const extended = isObject(status.extended_tweet) ? status.extended_tweet : undefined;
  const full = str(extended?.full_text) ?? str(status.full_text);
  const text = full ?? str(status.text);
  if (text === undefined) return undefined;
  const entities = (
    isObject(extended?.entities) ? extended.entities : isObject(status.entities) ? status.entities : {}
  ) as Json;
  return {
    text,
    hashtags: inOrder(entities.hashtags, (h) => str(h.text)),
    mentions: inOrder(entities.user_mentions, (m) => str(m.screen_name)),
    cut: status.truncated === true && full === undefined,
  };
}

interface Author {
  id: string;
  username: string;
  name: string;
}

function authorOf(status: Json): Author | undefined {
  const user = isObject(status.user) ? status.user : undefined;
  const id = user ? v1IdOf(user) : undefined;
  const username = str(user?.screen_name);
  return user && id && username ? { id, username, name: str(user.name) ?? '' } : undefined;
}

/** A referenced status embedded in the payload (retweeted or quoted), as a ref. */
function embeddedRef(status: Json, fallbackId?: string): PostRef | undefined {
  const id = v1IdOf(status) ?? fallbackId;
  if (!id) return undefined;
  const author = authorOf(status);
  return { id, authorId: author?.id ?? null, username: author?.username ?? null };
}

interface Shape {
  kind: PostKind;
  ref: PostRef | null;
  body: StatusText;
}

/**
 * What the status is. A retweet is stored as X shows it, `RT @original: <full original text>`,
 * with the original's hashtags and mentions (the original author first, as in X's own text).
 */
function shapeOf(status: Json, own: StatusText): Shape {
  const retweeted = isObject(status.retweeted_status) ? status.retweeted_status : undefined;
  if (retweeted) {
    const ref = embeddedRef(retweeted) ?? null;
    const original = statusText(retweeted);
    if (ref?.username && original) {
      return {
        kind: 'repost',
        ref,
        body: {
          text: `RT @${ref.username}: ${original.text}`,
          hashtags: original.hashtags,
          mentions: withFirst(ref.username, original.mentions),
          cut: original.cut,
        },
      };
    }
    if (ref) return { kind: 'repost', ref, body: own };
  }
  const quotedId = str(status.quoted_status_id_str);
  const quoted = isObject(status.quoted_status) ? status.quoted_status : undefined;
  if (quoted || quotedId) {
    const ref = quoted ? embeddedRef(quoted, quotedId) : { id: quotedId as string, authorId: null, username: null };
    if (ref) return { kind: 'quote', ref, body: own };
  }
  const repliedTo = v1IdOf(status, 'in_reply_to_status_id');
  if (repliedTo) {
    const ref = {
      id: repliedTo,
      authorId: v1IdOf(status, 'in_reply_to_user_id') ?? null,
      username: str(status.in_reply_to_screen_name) ?? null,
    };
    return { kind: 'reply', ref, body: own };
  }
  return { kind: 'post', ref: null, body: own };
}

/** A v1.1 status (REST or stream, compat or extended mode) as a contract v2 event. */
export function readV1Status(status: Json, source: PostSource): PostResult {
  const id = v1IdOf(status);
  if (!id) return { ok: false, reason: 'v1.1 status has no id_str' };
  const author = authorOf(status);
  if (!author) return { ok: false, reason: `status ${id} has no user (id_str and screen_name)` };
  const own = statusText(status);
  if (!own) return { ok: false, reason: `status ${id} has no text` };
  const rawDate = str(status.created_at);
  const createdAt = rawDate ? (parseV1Date(rawDate) ?? isoInstant(rawDate)) : undefined;
  if (!createdAt) return { ok: false, reason: `status ${id} has no usable created_at` };
  const { kind, ref, body } = shapeOf(status, own);
  const candidate: PostEvent = {
    v: POST_EVENT_VERSION,
    id,
    text: unescapeXText(body.text),
    createdAt,
    lang: str(status.lang) || null,
    author,
    hashtags: body.hashtags,
    mentions: body.mentions,
    source,
    network: 'x',
    kind,
    ref,
    truncated: body.cut,
  };
  const checked = validateTweetEvent(candidate);
  return checked.ok ? { ok: true, event: checked.event as PostEvent } : { ok: false, reason: checked.reason };
}
