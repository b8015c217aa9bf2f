/**
 * The record contract: the one JSON event that `ingest` writes to the stream and the processor
 * reads from it. Every source (X API v2, v1.1 replay files, synthetic) is normalised to this.
 *
 * This module is imported by both the Lambda bundle and the CLI, so it must stay dependency-free.
 */

/** Version of the event shape. Bump it only with a migration path in the processor. */
export const TWEET_EVENT_VERSION = 1;

/**
 * Largest encoded event the processor accepts. Kinesis allows 1 MiB per record, but a tweet
 * (even a 25,000-character long post with every entity) stays far below 64 KiB; anything larger
 * is a producer bug, and keeping items small keeps DynamoDB writes cheap (items are billed per KB).
 */
export const MAX_EVENT_BYTES = 64 * 1024;

export type TweetSource = 'twitter' | 'replay' | 'synthetic';
export const TWEET_SOURCES: readonly TweetSource[] = ['twitter', 'replay', 'synthetic'];

export interface TweetAuthor {
  /** Numeric user id as a decimal string (X ids exceed 2^53). */
  id: string;
  /** Handle without the leading `@`. */
  username: string;
  /** Display name. */
  name: string;
}

export interface TweetEvent {
  v: typeof TWEET_EVENT_VERSION;
  /** Tweet id, decimal string. */
  id: string;
  /** Full text, UTF-8, emoji intact. */
  text: string;
  /** When the tweet was posted: ISO 8601 UTC (`2018-10-10T20:19:24.000Z`). */
  createdAt: string;
  /** BCP 47 language tag as X reports it (`en`, `ja`, `und`), or null when unknown. */
  lang: string | null;
  author: TweetAuthor;
  /** Hashtags without `#`, in order of appearance. */
  hashtags: string[];
  /** Mentioned usernames without `@`, in order of appearance. */
  mentions: string[];
  source: TweetSource;
}

export type ValidationResult = { ok: true; event: TweetEvent } | { ok: false; reason: string };

const DECIMAL_ID = /^[0-9]{1,20}$/;
const USERNAME = /^[A-Za-z0-9_]{1,50}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Checks an already-parsed value against the contract. The reason names the first field that is
 * wrong and what was expected, so that a person reading the rejected record knows what to fix.
 */
export function validateTweetEvent(value: unknown): ValidationResult {
  const fail = (reason: string): ValidationResult => ({ ok: false, reason });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('event is not a JSON object');
  }
  const e = value as Record<string, unknown>;
  if (e.v !== TWEET_EVENT_VERSION) {
    return fail(`unsupported event version ${JSON.stringify(e.v)} (expected v: ${TWEET_EVENT_VERSION})`);
  }
  if (typeof e.id !== 'string' || !DECIMAL_ID.test(e.id)) return fail('id must be a decimal string of 1-20 digits');
  if (typeof e.text !== 'string') return fail('text must be a string');
  if (typeof e.createdAt !== 'string' || !ISO_INSTANT.test(e.createdAt) || Number.isNaN(Date.parse(e.createdAt))) {
    return fail('createdAt must be an ISO 8601 UTC timestamp like 2018-10-10T20:19:24.000Z');
  }
  if (e.lang !== null && (typeof e.lang !== 'string' || e.lang.length === 0 || e.lang.length > 35)) {
    return fail('lang must be a language tag or null');
  }
  const author = e.author as Record<string, unknown> | null | undefined;
  if (typeof author !== 'object' || author === null) return fail('author must be an object');
  if (typeof author.id !== 'string' || !DECIMAL_ID.test(author.id)) {
    return fail('author.id must be a decimal string of 1-20 digits');
  }
  if (typeof author.username !== 'string' || !USERNAME.test(author.username)) {
    return fail('author.username must be 1-50 letters, digits or underscores');
  }
  if (typeof author.name !== 'string') return fail('author.name must be a string');
  if (!isStringArray(e.hashtags)) return fail('hashtags must be an array of strings');
  if (!isStringArray(e.mentions)) return fail('mentions must be an array of strings');
  if (typeof e.source !== 'string' || !TWEET_SOURCES.includes(e.source as TweetSource)) {
    return fail(`source must be one of ${TWEET_SOURCES.join(', ')}`);
  }
  return {
    ok: true,
    event: {
      v: TWEET_EVENT_VERSION,
      id: e.id,
      text: e.text,
      createdAt: e.createdAt,
      lang: e.lang as string | null,
      author: { id: author.id, username: author.username, name: author.name },
      hashtags: e.hashtags,
      mentions: e.mentions,
      source: e.source as TweetSource,
    },
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

/** Kinesis partition key for an event: the author id, so one user's tweets stay in order. */
export function partitionKeyOf(event: TweetEvent): string {
  return event.author.id;
}
