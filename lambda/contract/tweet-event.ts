/**
 * The record contract: the one JSON event that `ingest` writes to the stream and the processor
 * reads from it. Every source (X API v2, v1.1 replay files, synthetic; Bluesky and Mastodon
 * later) is normalised to this.
 *
 * Two versions are accepted side by side:
 * - v1: an X post as text, author, hashtags and mentions (what synthetic events still write);
 * - v2: any network's post, with what the post is (`kind`), the post it refers to (`ref`), and
 *   whether the network itself cut its text (`truncated`). `source` keeps its v1 meaning (how the
 *   record came in: `twitter` is X's live stream); `network` says whose post and id it is.
 *
 * This module is imported by both the Lambda bundle and the CLI, so it must stay dependency-free.
 */

/** The first contract version; synthetic events and older given-up files carry it. */
export const TWEET_EVENT_VERSION = 1;
/** The current contract version, written by the X normaliser. */
export const POST_EVENT_VERSION = 2;
export const EVENT_VERSIONS: readonly number[] = [TWEET_EVENT_VERSION, POST_EVENT_VERSION];

/**
 * Largest encoded event the processor accepts. Kinesis allows 1 MiB per record, but a tweet
 * (even a 25,000-character long post with every entity) stays far below 64 KiB; anything larger
 * is a producer bug, and keeping items small keeps DynamoDB writes cheap (items are billed per KB).
 */
export const MAX_EVENT_BYTES = 64 * 1024;

/**
 * The partition key of the test record `streamproc producer rotate` puts with a new producer key
 * (its data is `{"streamproc":"producer-key-check",…}`). It is not a post: the processor skips it,
 * so a rotation leaves nothing in the table.
 */
export const KEY_CHECK_PARTITION_KEY = 'streamproc-producer-key-check';
export const KEY_CHECK_MARKER = 'producer-key-check';

/** How a v1 record came in. */
export type TweetSource = 'twitter' | 'replay' | 'synthetic';
export const TWEET_SOURCES: readonly TweetSource[] = ['twitter', 'replay', 'synthetic'];
/** How a v2 record came in: v1's values, plus the live streams of the other networks. */
export type PostSource = TweetSource | 'bluesky' | 'mastodon';
export const POST_SOURCES: readonly PostSource[] = ['twitter', 'replay', 'synthetic', 'bluesky', 'mastodon'];
/** Whose post it is, which decides what its ids and handle look like. */
export type Network = 'x' | 'bluesky' | 'mastodon' | 'synthetic';
export const NETWORKS: readonly Network[] = ['x', 'bluesky', 'mastodon', 'synthetic'];
/** What the post is. A quote that also replies is a `quote`; a repost of anything is a `repost`. */
export type PostKind = 'post' | 'repost' | 'quote' | 'reply';
export const POST_KINDS: readonly PostKind[] = ['post', 'repost', 'quote', 'reply'];

export interface TweetAuthor {
  /** The network's user id: decimal string on X and Mastodon (X ids exceed 2^53), a DID on Bluesky. */
  id: string;
  /**
   * Handle without the leading `@`: the X screen name, the Bluesky handle (`alice.bsky.social`),
   * the Mastodon account with its instance (`alice@mastodon.social`).
   */
  username: string;
  /** Display name. */
  name: string;
}

/** The post a repost, quote or reply refers to, as far as the payload names it. */
export interface PostRef {
  /** The referenced post's id on the same network. */
  id: string;
  /** Its author's id, or null when the payload does not say. */
  authorId: string | null;
  /** Its author's handle, or null when the payload does not say. */
  username: string | null;
}

/**
 * An event of any accepted version, as it travels (producer, stream, given-up files). The v2
 * fields are optional here because a v1 event has none; {@link PostEvent} is the exact v2 shape.
 */
export interface TweetEvent {
  v: typeof TWEET_EVENT_VERSION | typeof POST_EVENT_VERSION;
  /** The post's id on its network (decimal string on X). */
  id: string;
  /** Full text as people read it: UTF-8, emoji intact, HTML entities X adds undone. */
  text: string;
  /** When the post was made: ISO 8601 UTC (`2018-10-10T20:19:24.000Z`). */
  createdAt: string;
  /** BCP 47 language tag as the network reports it (`en`, `ja`, `und`), or null when unknown. */
  lang: string | null;
  author: TweetAuthor;
  /** Hashtags without `#`, in order of appearance. */
  hashtags: string[];
  /** Mentioned handles without `@`, in order of appearance. */
  mentions: string[];
  source: PostSource;
  network?: Network;
  kind?: PostKind;
  ref?: PostRef | null;
  /** True when the network itself cut the text and the full text was nowhere in the payload. */
  truncated?: boolean;
}

/** A v1 event exactly. */
export interface TweetEventV1 extends TweetEvent {
  v: typeof TWEET_EVENT_VERSION;
  source: TweetSource;
}

/** A v2 event exactly: every field present. */
export interface PostEvent extends TweetEvent {
  v: typeof POST_EVENT_VERSION;
  network: Network;
  kind: PostKind;
  /** Null exactly when `kind` is `post`. */
  ref: PostRef | null;
  truncated: boolean;
}

export type ValidationResult = { ok: true; event: TweetEvent } | { ok: false; reason: string };

const DECIMAL_ID = /^[0-9]{1,20}$/;
const X_USERNAME = /^[A-Za-z0-9_]{1,50}$/;
/** A Bluesky record key for a post: a TID, 13 characters of sortable base32. */
const BLUESKY_TID = /^[a-z2-7]{13}$/;
const BLUESKY_DID = /^did:[a-z]+:[A-Za-z0-9._:%-]{1,2048}$/;
const BLUESKY_DOMAIN_HANDLE =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/**
 * A Bluesky handle, or the author's DID when the handle was not known when the post was read
 * (ingest never holds a post back for a handle lookup). Neither can equal an X screen name.
 */
const BLUESKY_HANDLE = {
  test: (value: string) => BLUESKY_DOMAIN_HANDLE.test(value) || BLUESKY_DID.test(value),
};
/** Always with the instance, so that a handle never collides with an X screen name in the table keys. */
const MASTODON_ACCT = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?@[A-Za-z0-9.-]{1,253}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

interface NetworkRules {
  postId: RegExp;
  userId: RegExp;
  handle: { test(value: string): boolean };
  what: { postId: string; userId: string; handle: string };
}

const DECIMAL_RULES: Omit<NetworkRules, 'handle' | 'what'> = { postId: DECIMAL_ID, userId: DECIMAL_ID };
const DECIMAL_WHAT = { postId: 'a decimal string of 1-20 digits', userId: 'a decimal string of 1-20 digits' };

/** What ids and handles look like on each network. */
const RULES: Record<Network, NetworkRules> = {
  x: { ...DECIMAL_RULES, handle: X_USERNAME, what: { ...DECIMAL_WHAT, handle: '1-50 letters, digits or underscores' } },
  synthetic: {
    ...DECIMAL_RULES,
    handle: X_USERNAME,
    what: { ...DECIMAL_WHAT, handle: '1-50 letters, digits or underscores' },
  },
  mastodon: { ...DECIMAL_RULES, handle: MASTODON_ACCT, what: { ...DECIMAL_WHAT, handle: 'user@instance' } },
  bluesky: {
    postId: BLUESKY_TID,
    userId: BLUESKY_DID,
    handle: BLUESKY_HANDLE,
    what: {
      postId: 'a 13-character TID',
      userId: 'a DID (did:plc:…)',
      handle: 'a domain-style handle or the DID',
    },
  },
};

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fields both versions share, checked with the network's rules; a reason or undefined. */
function commonFault(e: Json, rules: NetworkRules): string | undefined {
  if (typeof e.id !== 'string' || !rules.postId.test(e.id)) return `id must be ${rules.what.postId}`;
  if (typeof e.text !== 'string') return 'text must be a string';
  if (typeof e.createdAt !== 'string' || !ISO_INSTANT.test(e.createdAt) || Number.isNaN(Date.parse(e.createdAt))) {
    return 'createdAt must be an ISO 8601 UTC timestamp like 2018-10-10T20:19:24.000Z';
  }
  if (e.lang !== null && (typeof e.lang !== 'string' || e.lang.length === 0 || e.lang.length > 35)) {
    return 'lang must be a language tag or null';
  }
  const author = e.author;
  if (!isObject(author)) return 'author must be an object';
  if (typeof author.id !== 'string' || !rules.userId.test(author.id)) return `author.id must be ${rules.what.userId}`;
  if (typeof author.username !== 'string' || !rules.handle.test(author.username)) {
    return `author.username must be ${rules.what.handle}`;
  }
  if (typeof author.name !== 'string') return 'author.name must be a string';
  if (!isStringArray(e.hashtags)) return 'hashtags must be an array of strings';
  if (!isStringArray(e.mentions)) return 'mentions must be an array of strings';
  return undefined;
}

function refFault(e: Json, rules: NetworkRules): string | undefined {
  if (!POST_KINDS.includes(e.kind as PostKind)) return `kind must be one of ${POST_KINDS.join(', ')}`;
  if (e.kind === 'post') return e.ref === null ? undefined : 'ref must be null for a post';
  const ref = e.ref;
  if (!isObject(ref)) return `ref must name the post a ${String(e.kind)} refers to`;
  if (typeof ref.id !== 'string' || !rules.postId.test(ref.id)) return `ref.id must be ${rules.what.postId}`;
  if (ref.authorId !== null && (typeof ref.authorId !== 'string' || !rules.userId.test(ref.authorId))) {
    return `ref.authorId must be ${rules.what.userId} or null`;
  }
  if (ref.username !== null && (typeof ref.username !== 'string' || !rules.handle.test(ref.username))) {
    return `ref.username must be ${rules.what.handle} or null`;
  }
  return undefined;
}

function shared(e: Json): Omit<TweetEvent, 'v' | 'source'> {
  const author = e.author as Json;
  return {
    id: e.id as string,
    text: e.text as string,
    createdAt: e.createdAt as string,
    lang: e.lang as string | null,
    author: { id: author.id as string, username: author.username as string, name: author.name as string },
    hashtags: e.hashtags as string[],
    mentions: e.mentions as string[],
  };
}

function validateV1(e: Json): ValidationResult {
  const fault = commonFault(e, RULES.x);
  if (fault) return { ok: false, reason: fault };
  if (typeof e.source !== 'string' || !TWEET_SOURCES.includes(e.source as TweetSource)) {
    return { ok: false, reason: `source must be one of ${TWEET_SOURCES.join(', ')}` };
  }
  const event: TweetEventV1 = { v: TWEET_EVENT_VERSION, ...shared(e), source: e.source as TweetSource };
  return { ok: true, event };
}

function validateV2(e: Json): ValidationResult {
  if (!NETWORKS.includes(e.network as Network)) {
    return { ok: false, reason: `network must be one of ${NETWORKS.join(', ')}` };
  }
  const rules = RULES[e.network as Network];
  const fault = commonFault(e, rules) ?? refFault(e, rules);
  if (fault) return { ok: false, reason: fault };
  if (typeof e.source !== 'string' || !POST_SOURCES.includes(e.source as PostSource)) {
    return { ok: false, reason: `source must be one of ${POST_SOURCES.join(', ')}` };
  }
  if (typeof e.truncated !== 'boolean') return { ok: false, reason: 'truncated must be true or false' };
  const ref = e.ref as Json | null;
  const event: PostEvent = {
    v: POST_EVENT_VERSION,
    ...shared(e),
    source: e.source as PostSource,
    network: e.network as Network,
    kind: e.kind as PostKind,
    ref: ref
      ? { id: ref.id as string, authorId: ref.authorId as string | null, username: ref.username as string | null }
      : null,
    truncated: e.truncated,
  };
  return { ok: true, event };
}

/**
 * Checks an already-parsed value against the contract (either version). The reason names the
 * first field that is wrong and what was expected, so that a person reading the rejected record
 * knows what to fix. The returned event holds only the contract's fields.
 */
export function validateTweetEvent(value: unknown): ValidationResult {
  if (!isObject(value)) return { ok: false, reason: 'event is not a JSON object' };
  if (value.v === TWEET_EVENT_VERSION) return validateV1(value);
  if (value.v === POST_EVENT_VERSION) return validateV2(value);
  return {
    ok: false,
    reason: `unsupported event version ${JSON.stringify(value.v)} (expected v: ${EVENT_VERSIONS.join(' or ')})`,
  };
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes raw record bytes (as Kinesis stores them) into a validated event: size, then UTF-8,
 * then JSON, then the contract. Never throws.
 */
export function decodeTweetEvent(bytes: Uint8Array): ValidationResult {
  if (bytes.byteLength > MAX_EVENT_BYTES) {
    return { ok: false, reason: `record is ${bytes.byteLength} bytes, over the ${MAX_EVENT_BYTES}-byte limit` };
  }
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return { ok: false, reason: 'record is not valid UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `record is not JSON: ${(error as Error).message}` };
  }
  return validateTweetEvent(parsed);
}

/** Encodes an event for the stream; the inverse of {@link decodeTweetEvent}. */
export function encodeTweetEvent(event: TweetEvent): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(event));
}

/** Kinesis partition key for an event: the author id, so one user's posts stay in order. */
export function partitionKeyOf(event: TweetEvent): string {
  return event.author.id;
}
