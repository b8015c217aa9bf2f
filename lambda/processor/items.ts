/**
 * Turns one Kinesis record into the item the table keeps for it: a TweetItem when the record
 * honours the contract, a RejectedItem (reason + raw payload) when it does not. Never throws, so
 * one bad record cannot fail its batch.
 */
import {
  type EventItem,
  expiryOf,
  REJECTED_RAW_MAX_BYTES,
  type RejectedItem,
  rejectedPartitionKey,
  rejectedSortKey,
  type TweetItem,
  timeIndexKeyOf,
  tweetSortKey,
  userPartitionKey,
} from '../contract/table-layout.js';
import {
  decodeTweetEvent,
  KEY_CHECK_MARKER,
  KEY_CHECK_PARTITION_KEY,
  POST_EVENT_VERSION,
} from '../contract/tweet-event.js';
import type { KinesisStreamRecord } from './types.js';

/** Values shared by every item of one invocation, computed once per batch. */
export interface ItemContext {
  /** Epoch ms, used as processedAt and as arrival time when the record has none. */
  nowMs: number;
  processedAt: string;
  retentionDays: number;
}

const lenientDecoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** `shardId-000000000000:4959…` → `shardId-000000000000`. */
export function shardIdOf(eventID: string | undefined): string {
  const colon = eventID ? eventID.indexOf(':') : -1;
  return colon > 0 ? (eventID as string).slice(0, colon) : 'shardId-unknown';
}

/**
 * Decodes base64 and reports whether the text really was base64. Buffer.from silently skips
 * characters outside the alphabet, so a length mismatch is the cheap (O(1)) tell.
 */
export function decodeBase64(data: string): Uint8Array | undefined {
  if (typeof data !== 'string' || data.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(data, 'base64');
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return bytes.length === (data.length / 4) * 3 - padding ? bytes : undefined;
}

/** The first `max` bytes, cut back to a character boundary so no code point is split. */
function truncateUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  // Continuation bytes look like 10xxxxxx; step back to the lead byte of the split character.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** A `producer rotate` test record: its partition key and `"streamproc":"producer-key-check"` in its JSON data. */
export function isKeyCheckRecord(record: KinesisStreamRecord): boolean {
  if (record.kinesis.partitionKey !== KEY_CHECK_PARTITION_KEY) return false;
  const bytes = decodeBase64(record.kinesis.data);
  if (bytes === undefined) return false;
  try {
    return (JSON.parse(lenientDecoder.decode(bytes)) as { streamproc?: unknown })?.streamproc === KEY_CHECK_MARKER;
  } catch {
    return false;
  }
}

export function buildItem(record: KinesisStreamRecord, ctx: ItemContext): EventItem {
  const kinesis = record.kinesis;
  const seq = kinesis.sequenceNumber;
  const shardId = shardIdOf(record.eventID);
  const ts = kinesis.approximateArrivalTimestamp;
  const arrivedMs = typeof ts === 'number' && Number.isFinite(ts) ? Math.round(ts * 1000) : ctx.nowMs;
  const bytes = decodeBase64(kinesis.data);
  if (bytes === undefined) {
    const text = typeof kinesis.data === 'string' ? kinesis.data : String(kinesis.data);
    return rejectedItem(record, ctx, arrivedMs, 'record data is not valid base64', utf8Encoder.encode(text));
  }
  const decoded = decodeTweetEvent(bytes);
  if (!decoded.ok) return rejectedItem(record, ctx, arrivedMs, decoded.reason, bytes);
  const event = decoded.event;
  const item: TweetItem = {
    pk: userPartitionKey(event.author.username),
    sk: tweetSortKey(event.id),
    ...timeIndexKeyOf('tweet', arrivedMs, event.id),
    kind: 'tweet',
    v: event.v,
    tweetId: event.id,
    text: event.text,
    createdAt: event.createdAt,
    arrivedAt: new Date(arrivedMs).toISOString(),
    processedAt: ctx.processedAt,
    authorId: event.author.id,
    username: event.author.username,
    name: event.author.name,
    lang: event.lang,
    hashtags: event.hashtags,
    mentions: event.mentions,
    source: event.source,
    seq,
    shardId,
    expiresAt: expiryOf(arrivedMs, ctx.retentionDays),
  };
  // v1 items keep exactly their old attributes; v2 adds what the post is and what it refers to.
  if (event.v === POST_EVENT_VERSION) {
    item.network = event.network;
    item.postKind = event.kind;
    item.truncated = event.truncated;
    if (event.ref) {
      item.refId = event.ref.id;
      if (event.ref.authorId !== null) item.refAuthorId = event.ref.authorId;
      if (event.ref.username !== null) item.refUsername = event.ref.username;
    }
  }
  return item;
}

function rejectedItem(
  record: KinesisStreamRecord,
  ctx: ItemContext,
  arrivedMs: number,
  reason: string,
  payload: Uint8Array,
): RejectedItem {
  const seq = record.kinesis.sequenceNumber;
  const shardId = shardIdOf(record.eventID);
  const kept = truncateUtf8(payload, REJECTED_RAW_MAX_BYTES);
  return {
    pk: rejectedPartitionKey(shardId),
    sk: rejectedSortKey(seq),
    ...timeIndexKeyOf('rejected', arrivedMs, `${shardId}:${seq}`),
    kind: 'rejected',
    reason,
    raw: lenientDecoder.decode(kept),
    rawBytes: payload.byteLength,
    rawTruncated: kept.byteLength < payload.byteLength,
    partitionKey: String(record.kinesis.partitionKey ?? ''),
    arrivedAt: new Date(arrivedMs).toISOString(),
    processedAt: ctx.processedAt,
    seq,
    shardId,
    expiresAt: expiryOf(arrivedMs, ctx.retentionDays),
  };
}
