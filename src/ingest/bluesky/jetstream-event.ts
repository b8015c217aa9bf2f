/** One Jetstream event (a commit of an `app.bsky.feed.post`, identity, account) into a contract v2 post or a notice. */
import {
  type PostEvent,
  type PostKind,
  type PostRef,
  type PostSource,
  validateTweetEvent,
} from '../../../lambda/contract/tweet-event.js';
import { isObject, type Json, str } from '../x/json.js';
import { bad, type PayloadOutcome } from '../x/outcome.js';

/**
 * Jetstream (github.com/bluesky-social/jetstream) sends one JSON object per WebSocket message:
 * `{did, time_us, kind: 'commit', commit: {rev, operation, collection, rkey, record, cid}}`, or
 * `kind: 'identity'` (`identity: {did, handle, seq, time}`) or `kind: 'account'`. Only the
 * `app.bsky.feed.post` collection is asked for; reposts (`app.bsky.feed.repost`) are not, because
 * a repost record holds no text (only the subject's URI), so it could be neither keyword-filtered
 * nor shown without a lookup per repost.
 *
 * The post's id in the contract is its record key, a TID (13 characters of sortable base32, the
 * creation time in microseconds): time-sortable and, with the author's DID, unique. Table keys
 * are `user#<handle or DID>` / `tweet#<TID>`, which cannot collide with X's (an X screen name has
 * neither a dot nor a colon). Every function here is total.
 */

export const POST_COLLECTION = 'app.bsky.feed.post';

/** Resolves a DID to a handle (and display name) if known now; never waits. */
export type HandleLookup = (did: string) => { handle: string; name?: string } | undefined;

/** What the live source needs besides the outcome: where the event sits in the stream. */
export interface JetstreamEnvelope {
  did: string;
  timeUs: number;
  kind: string;
}

/** True for a value shaped like a Jetstream event (what file replay uses to tell it from X's shapes). */
export function isJetstreamEvent(value: Json): boolean {
  return typeof value.did === 'string' && typeof value.time_us === 'number' && typeof value.kind === 'string';
}

/** `did`, `time_us` and `kind` of an event, or undefined when it has none of Jetstream's envelope. */
export function envelopeOf(value: unknown): JetstreamEnvelope | undefined {
  if (!isObject(value) || !isJetstreamEvent(value)) return undefined;
  return { did: value.did as string, timeUs: value.time_us as number, kind: value.kind as string };
}

/**
 * What tells two events with the same `time_us` apart: the repo, the kind, and for a commit its
 * collection, record key and revision (for the others, their sequence number).
 */
export function eventKeyOf(value: unknown): string {
  if (!isObject(value)) return '';
  const commit = isObject(value.commit) ? value.commit : undefined;
  const body = isObject(value.identity) ? value.identity : isObject(value.account) ? value.account : undefined;
  const detail = commit ? `${str(commit.collection)}/${str(commit.rkey)}@${str(commit.rev)}` : String(body?.seq ?? '');
  return `${str(value.did)} ${str(value.kind)} ${detail}`;
}

/** A handle change the event announces (`identity` with a handle), to feed the handle cache. */
export function identityOf(value: unknown): { did: string; handle: string } | undefined {
  if (!isObject(value) || value.kind !== 'identity' || !isObject(value.identity)) return undefined;
  const did = str(value.identity.did) ?? str(value.did);
  const handle = str(value.identity.handle);
  return did && handle ? { did, handle } : undefined;
}

const AT_URI = /^at:\/\/(did:[a-z]+:[A-Za-z0-9._:%-]+)\/([a-zA-Z0-9.]+)\/([A-Za-z0-9._~:-]+)$/;

/** `at://did:plc:abc/app.bsky.feed.post/3lgq…` → its DID, collection and record key. */
export function parseAtUri(uri: unknown): { did: string; collection: string; rkey: string } | undefined {
  const match = typeof uri === 'string' ? AT_URI.exec(uri) : null;
  return match ? { did: match[1] as string, collection: match[2] as string, rkey: match[3] as string } : undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Facets of one feature type with the text they cover (byte offsets are UTF-8, as the lexicon says). */
function facetsOf(record: Json, type: string): { feature: Json; covered: string | undefined }[] {
  if (!Array.isArray(record.facets)) return [];
  const text = str(record.text) ?? '';
  let bytes: Uint8Array | undefined;
  const found: { feature: Json; covered: string | undefined }[] = [];
  for (const facet of record.facets) {
    if (!isObject(facet) || !Array.isArray(facet.features)) continue;
    for (const feature of facet.features) {
      if (!isObject(feature) || feature.$type !== type) continue;
      const index = isObject(facet.index) ? facet.index : {};
      const start = index.byteStart;
      const end = index.byteEnd;
      let covered: string | undefined;
      if (
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        (start as number) >= 0 &&
        (end as number) > (start as number)
      ) {
        bytes ??= encoder.encode(text);
        if ((end as number) <= bytes.length) covered = decoder.decode(bytes.subarray(start as number, end as number));
      }
      found.push({ feature, covered });
    }
  }
  return found;
}

/** Distinct values in order of first appearance, compared case-insensitively (`#AWS` and `#aws` are one tag). */
function distinct(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase();
    if (value.length === 0 || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Hashtags from `#tag` facets, then the record's own `tags` (tags not written in the text). */
export function hashtagsOf(record: Json): string[] {
  const fromFacets = facetsOf(record, 'app.bsky.richtext.facet#tag').map(({ feature }) => str(feature.tag) ?? '');
  const outline = Array.isArray(record.tags) ? record.tags.filter((t): t is string => typeof t === 'string') : [];
  return distinct([...fromFacets, ...outline].map((tag) => tag.replace(/^#/, '')));
}

/**
 * Mentioned handles from `#mention` facets: the text the facet covers (`@alice.bsky.social`, as the
 * author wrote it), else the cached handle of its DID, else the DID itself.
 */
export function mentionsOf(record: Json, handles: HandleLookup): string[] {
  return distinct(
    facetsOf(record, 'app.bsky.richtext.facet#mention').map(({ feature, covered }) => {
      if (covered?.startsWith('@') && covered.length > 1) return covered.slice(1);
      const did = str(feature.did) ?? '';
      return handles(did)?.handle ?? did;
    }),
  );
}

/** The post a quote embeds: `app.bsky.embed.record` or the record half of `recordWithMedia`. */
function quotedUri(record: Json): unknown {
  const embed = isObject(record.embed) ? record.embed : undefined;
  if (!embed) return undefined;
  if (embed.$type === 'app.bsky.embed.record' && isObject(embed.record)) return embed.record.uri;
  if (embed.$type === 'app.bsky.embed.recordWithMedia' && isObject(embed.record) && isObject(embed.record.record)) {
    return embed.record.record.uri;
  }
  return undefined;
}

/** What the post is and what it refers to: a quote (also when it replies), a reply, or a post. */
export function kindOf(
  record: Json,
  handles: HandleLookup,
): { kind: PostKind; ref: PostRef | null } | { reason: string } {
  const quoted = quotedUri(record);
  const parent = isObject(record.reply) && isObject(record.reply.parent) ? record.reply.parent.uri : undefined;
  const kind: PostKind = quoted !== undefined ? 'quote' : parent !== undefined ? 'reply' : 'post';
  if (kind === 'post') return { kind, ref: null };
  const uri = kind === 'quote' ? quoted : parent;
  const at = parseAtUri(uri);
  // A quote of a feed generator or list (`app.bsky.feed.generator`) is not a post: plain post.
  if (kind === 'quote' && at && at.collection !== POST_COLLECTION) {
    return parent !== undefined ? kindOf({ ...record, embed: undefined }, handles) : { kind: 'post', ref: null };
  }
  if (!at) return { reason: `${kind} of ${JSON.stringify(uri)}: not an at:// URI of a post` };
  return { kind, ref: { id: at.rkey, authorId: at.did, username: handles(at.did)?.handle ?? null } };
}

/**
 * The record's `createdAt` as the contract's ISO instant. It is the author's client's claim (any
 * RFC 3339 form, sometimes nonsense); when it does not parse, Jetstream's own `time_us` stands in.
 */
export function createdAtOf(record: Json, timeUs: number): string {
  const claimed = str(record.createdAt);
  const ms = claimed ? Date.parse(claimed) : Number.NaN;
  const fallback = Math.floor(timeUs / 1000);
  const year = Number.isNaN(ms) ? 0 : new Date(ms).getUTCFullYear();
  return new Date(year >= 1970 && year <= 9999 ? ms : fallback).toISOString();
}

/** The post a commit event creates, as a v2 event; notices for the rest; a reason for what is unusable. */
export function readJetstreamEvent(
  value: unknown,
  handles: HandleLookup,
  source: PostSource = 'bluesky',
): PayloadOutcome {
  const envelope = envelopeOf(value);
  if (!envelope || !isObject(value)) return bad('not a Jetstream event (did, time_us, kind)');
  const { did, timeUs } = envelope;
  if (envelope.kind === 'identity') {
    const identity = identityOf(value);
    return {
      kind: 'notice',
      notice: { kind: 'identity', detail: `${did} is ${identity ? `@${identity.handle}` : 'without a handle'}` },
    };
  }
  if (envelope.kind === 'account') {
    const account = isObject(value.account) ? value.account : {};
    const status = account.active === false ? `inactive${str(account.status) ? ` (${account.status})` : ''}` : 'active';
    return { kind: 'notice', notice: { kind: 'account', detail: `${did} is ${status}` } };
  }
  if (envelope.kind !== 'commit' || !isObject(value.commit))
    return bad(`Jetstream event of unknown kind ${JSON.stringify(envelope.kind)}`);
  const commit = value.commit;
  const rkey = str(commit.rkey) ?? '?';
  if (commit.collection !== POST_COLLECTION) {
    return {
      kind: 'notice',
      notice: {
        kind: 'commit',
        title: str(commit.collection),
        detail: `${str(commit.operation)} of ${str(commit.collection)} ${rkey} by ${did}`,
      },
    };
  }
  if (commit.operation === 'delete') {
    return { kind: 'notice', notice: { kind: 'delete', detail: `post ${rkey} by ${did} deleted` } };
  }
  if (commit.operation !== 'create' && commit.operation !== 'update') {
    return bad(`commit operation ${JSON.stringify(commit.operation)} is neither create, update nor delete`);
  }
  const record = commit.record;
  if (!isObject(record)) return bad(`post ${rkey} by ${did}: commit without a record`);
  if (typeof record.text !== 'string') return bad(`post ${rkey} by ${did}: record without text`);
  const what = kindOf(record, handles);
  if ('reason' in what) return bad(`post ${rkey} by ${did}: ${what.reason}`);
  const author = handles(did);
  const langs = Array.isArray(record.langs)
    ? record.langs.filter((l): l is string => typeof l === 'string' && l.length > 0)
    : [];
  const event: PostEvent = {
    v: 2,
    id: rkey,
    text: record.text,
    createdAt: createdAtOf(record, timeUs),
    lang: langs[0] ?? null,
    // Unknown handle: the DID stands in (the contract accepts it), so the post is never held back.
    author: { id: did, username: author?.handle ?? did, name: author?.name ?? '' },
    hashtags: hashtagsOf(record),
    mentions: mentionsOf(record, handles),
    source,
    network: 'bluesky',
    kind: what.kind,
    ref: what.ref,
    truncated: false,
  };
  // An rkey that is not a TID, a malformed DID: the processor would reject it, so it is bad here.
  const checked = validateTweetEvent(event);
  return checked.ok ? { kind: 'event', event: checked.event } : bad(`post ${rkey} by ${did}: ${checked.reason}`);
}
