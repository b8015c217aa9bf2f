/** X API v2 posts, stream messages and response pages into contract v2 events and notices. */
import {
  POST_EVENT_VERSION,
  type PostEvent,
  type PostKind,
  type PostRef,
  type PostSource,
  validateTweetEvent,
} from '../../../lambda/contract/tweet-event.js';
import { idOf, isObject, isoInstant, type Json, str } from './json.js';
import { errorNotices } from './notices.js';
import { bad, fromPost, noticeOutcome, type PayloadOutcome, type PostResult } from './outcome.js';
import { inOrder, unescapeXText, withFirst } from './text.js';

/** The expansions a message or page carries: its users and the posts its posts refer to. */
export interface V2Includes {
  users: Json[];
  tweets: Json[];
}

export function includesOf(message: Json): V2Includes {
  const includes = isObject(message.includes) ? message.includes : {};
  const list = (value: unknown) => (Array.isArray(value) ? value.filter(isObject) : []);
  return { users: list(includes.users), tweets: list(includes.tweets) };
}

/** X cuts a repost's `text` and marks the cut with this character. */
const CUT_MARK = '…';

interface PostText {
  text: string;
  hashtags: string[];
  mentions: string[];
}

/** A long post's full text is in `note_tweet` (with its own entities); `text` is then cut. */
function postText(tweet: Json): PostText | undefined {
  const note = isObject(tweet.note_tweet) ? tweet.note_tweet : undefined;
  const text = str(note?.text) ?? str(tweet.text);
  if (text === undefined) return undefined;
  const entities = (
    isObject(note?.entities) && str(note?.text) !== undefined
      ? note.entities
      : isObject(tweet.entities)
        ? tweet.entities
        : {}
  ) as Json;
  return {
    text,
    hashtags: inOrder(entities.hashtags, (h) => str(h.tag)),
    mentions: inOrder(entities.mentions, (m) => str(m.username)),
  };
}

const userById = (includes: V2Includes, id: string | undefined) =>
  id ? includes.users.find((user) => idOf(user.id) === id) : undefined;
const tweetById = (includes: V2Includes, id: string) => includes.tweets.find((tweet) => idOf(tweet.id) === id);

/** The first reference of each type X lists (`retweeted`, `quoted`, `replied_to`). */
function referenceIds(tweet: Json): Map<string, string> {
  const refs = new Map<string, string>();
  if (!Array.isArray(tweet.referenced_tweets)) return refs;
  for (const ref of tweet.referenced_tweets.filter(isObject)) {
    const type = str(ref.type);
    const id = idOf(ref.id);
    if (type && id && !refs.has(type)) refs.set(type, id);
  }
  return refs;
}

/** Who wrote the referenced post: the included post's author, else `fallbackAuthorId`. */
function refTo(includes: V2Includes, id: string, fallbackAuthorId?: string): PostRef {
  const authorId = idOf(tweetById(includes, id)?.author_id) ?? fallbackAuthorId;
  return { id, authorId: authorId ?? null, username: str(userById(includes, authorId)?.username) ?? null };
}

interface Shape {
  kind: PostKind;
  ref: PostRef | null;
  body: PostText;
  cut: boolean;
}

/**
 * A repost, stored as X shows it: `RT @original: <full original text>` from `includes.tweets`
 * (its `note_tweet` when long), the original's hashtags and mentions kept. Without the original
 * in the message (the request lacked `expansions=referenced_tweets.id`), X's own cut text is
 * kept and marked truncated when X cut it.
 */
function repostShape(tweet: Json, own: PostText, includes: V2Includes, id: string): Shape {
  const prefix = /^RT @([A-Za-z0-9_]{1,50}):/.exec(own.text);
  const mentioned = Array.isArray((tweet.entities as Json | undefined)?.mentions)
    ? ((tweet.entities as Json).mentions as unknown[]).filter(isObject).find((m) => m.start === 3)
    : undefined;
  const ref = refTo(includes, id, idOf(mentioned?.id));
  const username = ref.username ?? prefix?.[1] ?? null;
  const withName = { ...ref, username };
  const original = tweetById(includes, id);
  const originalText = original ? postText(original) : undefined;
  if (originalText && username) {
    return {
      kind: 'repost',
      ref: withName,
      body: {
        text: `RT @${username}: ${originalText.text}`,
        hashtags: originalText.hashtags,
        mentions: withFirst(username, originalText.mentions),
      },
      cut: false,
    };
  }
  return { kind: 'repost', ref: withName, body: own, cut: own.text.endsWith(CUT_MARK) };
}

function shapeOf(tweet: Json, own: PostText, includes: V2Includes): Shape {
  const refs = referenceIds(tweet);
  const retweeted = refs.get('retweeted');
  if (retweeted) return repostShape(tweet, own, includes, retweeted);
  const quoted = refs.get('quoted');
  if (quoted) return { kind: 'quote', ref: refTo(includes, quoted), body: own, cut: false };
  const repliedTo = refs.get('replied_to');
  if (repliedTo) {
    const ref = refTo(includes, repliedTo, idOf(tweet.in_reply_to_user_id));
    return { kind: 'reply', ref, body: own, cut: false };
  }
  return { kind: 'post', ref: null, body: own, cut: false };
}

/** One v2 post, with the `includes` of the message or page it came in. */
export function readV2Tweet(tweet: unknown, includes: V2Includes, source: PostSource): PostResult {
  if (!isObject(tweet)) return { ok: false, reason: 'v2 message has no tweet object in "data"' };
  const id = idOf(tweet.id);
  if (!id) return { ok: false, reason: 'tweet has no id' };
  const authorId = idOf(tweet.author_id);
  if (!authorId) return { ok: false, reason: `tweet ${id} has no author_id` };
  const user = userById(includes, authorId);
  const username = str(user?.username);
  if (!user || !username) {
    return {
      ok: false,
      reason: `tweet ${id}: author ${authorId} is not in includes.users (request expansions=author_id)`,
    };
  }
  const own = postText(tweet);
  if (!own) return { ok: false, reason: `tweet ${id} has no text` };
  const createdAt = isoInstant(str(tweet.created_at));
  if (!createdAt) return { ok: false, reason: `tweet ${id} has no usable created_at` };
  const { kind, ref, body, cut } = shapeOf(tweet, own, includes);
  const candidate: PostEvent = {
    v: POST_EVENT_VERSION,
    id,
    text: unescapeXText(body.text),
    createdAt,
    lang: str(tweet.lang) || null,
    author: { id: authorId, username, name: str(user.name) ?? '' },
    hashtags: body.hashtags,
    mentions: body.mentions,
    source,
    network: 'x',
    kind,
    ref,
    truncated: cut,
  };
  const checked = validateTweetEvent(candidate);
  return checked.ok ? { ok: true, event: checked.event as PostEvent } : { ok: false, reason: checked.reason };
}

/**
 * A v2 stream message (`data` is one post) or response page (`data` is a list, as twarc and
 * other archivers write one per line): every post it holds, then its partial `errors` as
 * notices. A message with only `errors` is notices; a page with no posts is an `empty-page` notice.
 */
export function readV2Message(message: Json, source: PostSource): PayloadOutcome[] {
  const includes = includesOf(message);
  const notices = errorNotices(message.errors).map(noticeOutcome);
  const data = message.data;
  if (isObject(data)) return [fromPost(readV2Tweet(data, includes, source)), ...notices];
  if (Array.isArray(data)) {
    const posts = data.map((tweet) => fromPost(readV2Tweet(tweet, includes, source)));
    if (posts.length + notices.length > 0) return [...posts, ...notices];
  }
  if (notices.length > 0) return notices;
  if (Array.isArray(data) || isObject(message.meta)) {
    const count = isObject(message.meta) ? message.meta.result_count : undefined;
    return [noticeOutcome({ kind: 'empty-page', detail: `a page with no posts (result_count ${String(count ?? 0)})` })];
  }
  return [bad('no "data" object')];
}
