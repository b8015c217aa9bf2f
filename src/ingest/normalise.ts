/** X payloads (v2, v1.1) and the contract's own shape into the record contract, total functions. */
import {
  TWEET_EVENT_VERSION,
  type TweetEvent,
  type TweetSource,
  validateTweetEvent,
} from '../../lambda/contract/tweet-event.js';

/**
 * Turns what X sends (API v2 stream messages, v1.1 statuses from old capture files) and the
 * contract's own shape (a given-up file written by `ingest`) into the record contract.
 * Every function here is total: a reason instead of an exception, so that one bad line never
 * stops a run.
 */

export type NormaliseResult = { ok: true; event: TweetEvent } | { ok: false; reason: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
/** X sends ids as strings in v2 and as both number and `id_str` in v1.1; only strings are exact. */
const idOf = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' && Number.isSafeInteger(value)
      ? String(value)
      : undefined;

const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};
const V1_DATE = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/;

/**
 * `Wed Oct 10 20:19:24 +0000 2018` (v1.1) → `2018-10-10T20:19:24.000Z`. Parsed by hand because
 * `Date.parse` of this format is implementation-defined.
 */
export function parseV1Date(text: string): string | undefined {
  const m = V1_DATE.exec(text);
  if (!m) return undefined;
  const [, mon, day, time, sign, oh, om, year] = m as unknown as string[];
  const month = MONTHS[mon as string];
  if (!month) return undefined;
  const ms = Date.parse(`${year}-${month}-${day}T${time}${sign}${oh}:${om}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Any ISO-ish instant → the contract's `…Z` form with milliseconds. */
function isoInstant(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Entities in order of appearance (X lists them that way, but nothing promises it). */
function inOrder<T extends Json>(items: unknown, pick: (item: T) => string | undefined): string[] {
  if (!Array.isArray(items)) return [];
  return items
    .filter(isObject)
    .map((item, index) => ({ item: item as T, index }))
    .sort((a, b) => {
      const sa =
        typeof a.item.start === 'number'
          ? a.item.start
          : Array.isArray(a.item.indices)
            ? Number(a.item.indices[0])
            : a.index;
      const sb =
        typeof b.item.start === 'number'
          ? b.item.start
          : Array.isArray(b.item.indices)
            ? Number(b.item.indices[0])
            : b.index;
      return sa - sb;
    })
    .map(({ item }) => pick(item))
    .filter((value): value is string => typeof value === 'string' && value.length > 0);
}

function finish(candidate: Omit<TweetEvent, 'v'>): NormaliseResult {
  const checked = validateTweetEvent({ v: TWEET_EVENT_VERSION, ...candidate });
  return checked.ok ? checked : { ok: false, reason: checked.reason };
}

/**
 * An API v2 tweet plus the `includes.users` of its message. Long posts carry their full text in
 * `note_tweet` (requested by the stream); the plain `text` is then truncated.
 */
export function normaliseV2(tweet: unknown, users: unknown, source: TweetSource): NormaliseResult {
  if (!isObject(tweet)) return { ok: false, reason: 'v2 message has no tweet object in "data"' };
  const id = idOf(tweet.id);
  if (!id) return { ok: false, reason: 'tweet has no id' };
  const authorId = idOf(tweet.author_id);
  if (!authorId) return { ok: false, reason: `tweet ${id} has no author_id` };
  const user = Array.isArray(users) ? users.filter(isObject).find((u) => idOf(u.id) === authorId) : undefined;
  if (!user || !str(user.username)) {
    return {
      ok: false,
      reason: `tweet ${id}: author ${authorId} is not in includes.users (request expansions=author_id)`,
    };
  }
  const note = isObject(tweet.note_tweet) ? tweet.note_tweet : undefined;
  const text = str(note?.text) ?? str(tweet.text);
  if (text === undefined) return { ok: false, reason: `tweet ${id} has no text` };
  const createdAt = isoInstant(str(tweet.created_at));
  if (!createdAt) return { ok: false, reason: `tweet ${id} has no usable created_at` };
  const entities = (isObject(note?.entities) ? note.entities : isObject(tweet.entities) ? tweet.entities : {}) as Json;
  return finish({
    id,
    text,
    createdAt,
    lang: str(tweet.lang) || null,
    author: { id: authorId, username: str(user.username) as string, name: str(user.name) ?? '' },
    hashtags: inOrder(entities.hashtags, (h) => str(h.tag)),
    mentions: inOrder(entities.mentions, (m) => str(m.username)),
    source,
  });
}

/** A v1.1 status as the original Python producer captured it. */
export function normaliseV1(status: Json, source: TweetSource): NormaliseResult {
  const id = str(status.id_str) ?? idOf(status.id);
  if (!id) return { ok: false, reason: 'v1.1 status has no id_str' };
  const user = isObject(status.user) ? status.user : undefined;
  const authorId = user ? (str(user.id_str) ?? idOf(user.id)) : undefined;
  if (!user || !authorId || !str(user.screen_name)) {
    return { ok: false, reason: `status ${id} has no user (id_str and screen_name)` };
  }
  const extended = isObject(status.extended_tweet) ? status.extended_tweet : undefined;
  const text = str(extended?.full_text) ?? str(status.full_text) ?? str(status.text);
  if (text === undefined) return { ok: false, reason: `status ${id} has no text` };
  const rawDate = str(status.created_at);
  const createdAt = rawDate ? (parseV1Date(rawDate) ?? isoInstant(rawDate)) : undefined;
  if (!createdAt) return { ok: false, reason: `status ${id} has no usable created_at` };
  const entities = (
    isObject(extended?.entities) ? extended.entities : isObject(status.entities) ? status.entities : {}
  ) as Json;
  return finish({
    id,
    text,
    createdAt,
    lang: str(status.lang) || null,
    author: { id: authorId, username: str(user.screen_name) as string, name: str(user.name) ?? '' },
    hashtags: inOrder(entities.hashtags, (h) => str(h.text)),
    mentions: inOrder(entities.user_mentions, (m) => str(m.screen_name)),
    source,
  });
}

/** A v2 stream message: `{data, includes: {users}}`; errors-only messages are not tweets. */
export function normaliseV2Message(message: unknown, source: TweetSource): NormaliseResult {
  if (!isObject(message)) return { ok: false, reason: 'not a JSON object' };
  if (!isObject(message.data)) {
    return { ok: false, reason: Array.isArray(message.errors) ? 'X error message, not a tweet' : 'no "data" object' };
  }
  const includes = isObject(message.includes) ? message.includes : {};
  return normaliseV2(message.data, includes.users, source);
}

/**
 * One parsed replay line, in whichever shape it is: the record contract (`v`), a v2 stream
 * message (`data` + `includes`), or a v1.1 status (`id_str` / `user`).
 */
export function normaliseRecord(value: unknown, source: TweetSource = 'replay'): NormaliseResult {
  if (!isObject(value)) return { ok: false, reason: 'not a JSON object' };
  if ('v' in value) {
    const checked = validateTweetEvent(value);
    return checked.ok ? checked : { ok: false, reason: `record contract: ${checked.reason}` };
  }
  if ('data' in value || 'includes' in value) return normaliseV2Message(value, source);
  if ('user' in value || 'id_str' in value) return normaliseV1(value, source);
  if ('author_id' in value) {
    return { ok: false, reason: `v2 tweet ${String(value.id)} without includes.users: no author username` };
  }
  return { ok: false, reason: 'neither a v2 message, a v1.1 status nor a streamproc event' };
}

/** Parses and normalises one line of text. */
export function normaliseLine(line: string, source: TweetSource = 'replay'): NormaliseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  return normaliseRecord(parsed, source);
}
