/**
 * The table contract: how events become DynamoDB items in `<stack>-EventData`, shared by the
 * processor (writes), `browse` (reads), the template (key schema) and the local engine.
 *
 * Base key (per-user history, newest first):
 *   tweets:   pk = `user#<lower-case username>`   sk = `tweet#<20-digit zero-padded tweet id>`
 *   rejected: pk = `rejected#<shard id>`          sk = `<64-digit zero-padded sequence number>`
 * Both are derived only from the record, so a redelivered record overwrites its own item.
 * Handles of other networks cannot collide with X screen names (a Bluesky handle holds a dot, a
 * Mastodon account its `@instance`), so the same keys serve every network.
 *
 * Time-ordered index `ByTime` (newest-first tail without a Scan):
 *   tpk = `<kind>#<UTC hour, YYYY-MM-DDTHH>#<write shard 0..TIME_INDEX_SHARDS-1>`
 *   tsk = `<arrival ISO 8601 with ms>#<unique id>`
 * The write shard spreads one hour's items over several partitions so that a busy hour cannot
 * throttle one index partition; readers query every shard of a bucket and merge.
 *
 * Dependency-free: imported by the Lambda bundle and the CLI.
 */

export const TABLE_HASH_KEY = 'pk';
export const TABLE_RANGE_KEY = 'sk';
export const TIME_INDEX_NAME = 'ByTime';
export const TIME_INDEX_HASH_KEY = 'tpk';
export const TIME_INDEX_RANGE_KEY = 'tsk';
/** Attribute holding the expiry (epoch seconds) that DynamoDB TTL deletes on. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Number of write shards per hour bucket in the time index. */
export const TIME_INDEX_SHARDS = 4;
/** Bytes of a malformed record's payload kept on its rejected item. */
export const REJECTED_RAW_MAX_BYTES = 4096;

export type ItemKind = 'tweet' | 'rejected';

export interface TweetItem {
  pk: string;
  sk: string;
  tpk: string;
  tsk: string;
  kind: 'tweet';
  /** Contract version of the record: 1 (X text only) or 2 (the fields below marked v2). */
  v: number;
  tweetId: string;
  text: string;
  createdAt: string;
  /** When Kinesis accepted the record (approximateArrivalTimestamp), ISO 8601. */
  arrivedAt: string;
  /** When the processor wrote the item, ISO 8601. */
  processedAt: string;
  authorId: string;
  username: string;
  name: string;
  lang: string | null;
  hashtags: string[];
  mentions: string[];
  /** How the record came in (`twitter` = X's live stream, `replay`, `synthetic`, …), as in v1. */
  source: string;
  /** v2: whose post (`x`, `bluesky`, `mastodon`, `synthetic`). Absent on v1 items: X, or synthetic. */
  network?: string;
  /** v2: `post`, `repost`, `quote` or `reply` (`kind` already says tweet or rejected). */
  postKind?: string;
  /** v2: the post a repost, quote or reply refers to; absent for a post. */
  refId?: string;
  /** v2: the referenced post's author id, when the payload named it. */
  refAuthorId?: string;
  /** v2: the referenced post's author handle, when the payload named it. */
  refUsername?: string;
  /** v2: true when the network itself cut the text and the full text was nowhere in the payload. */
  truncated?: boolean;
  /** Kinesis sequence number of the record this item came from. */
  seq: string;
  shardId: string;
  expiresAt: number;
}

export interface RejectedItem {
  pk: string;
  sk: string;
  tpk: string;
  tsk: string;
  kind: 'rejected';
  /** Why the record was rejected, readable by a person. */
  reason: string;
  /** The payload decoded leniently as UTF-8, at most REJECTED_RAW_MAX_BYTES of it. */
  raw: string;
  rawBytes: number;
  rawTruncated: boolean;
  partitionKey: string;
  arrivedAt: string;
  processedAt: string;
  seq: string;
  shardId: string;
  expiresAt: number;
}

export type EventItem = TweetItem | RejectedItem;

/** Whose post an item is: v2 items say (`network`); v1 items are X's, or synthetic ones. */
export function networkOfItem(item: Pick<TweetItem, 'network' | 'source'>): string {
  return item.network ?? (item.source === 'synthetic' ? 'synthetic' : 'x');
}

/** `2026-11-25T20:00:00.000Z` → `2026-11-25T20`. */
export function hourBucketOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 13);
}

/** Stable FNV-1a hash of a string to a write shard. */
export function writeShardOf(uniqueId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < uniqueId.length; i++) {
    hash ^= uniqueId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % TIME_INDEX_SHARDS;
}

export function timeIndexPartition(kind: ItemKind, bucket: string, shard: number): string {
  return `${kind}#${bucket}#${shard}`;
}

/** All index partitions of one hour bucket for a kind, in shard order. */
export function timeIndexPartitions(kind: ItemKind, bucket: string): string[] {
  return Array.from({ length: TIME_INDEX_SHARDS }, (_, shard) => timeIndexPartition(kind, bucket, shard));
}

export function timeIndexKeyOf(kind: ItemKind, arrivedAtMs: number, uniqueId: string): { tpk: string; tsk: string } {
  return {
    tpk: timeIndexPartition(kind, hourBucketOf(arrivedAtMs), writeShardOf(uniqueId)),
    tsk: `${new Date(arrivedAtMs).toISOString()}#${uniqueId}`,
  };
}

export function userPartitionKey(username: string): string {
  return `user#${username.toLowerCase()}`;
}

export function tweetSortKey(tweetId: string): string {
  return `tweet#${tweetId.padStart(20, '0')}`;
}

export function rejectedPartitionKey(shardId: string): string {
  return `rejected#${shardId}`;
}

export function rejectedSortKey(sequenceNumber: string): string {
  return sequenceNumber.padStart(64, '0');
}

/** Epoch seconds at which an item arriving at `arrivedAtMs` expires. */
export function expiryOf(arrivedAtMs: number, retentionDays: number): number {
  return Math.floor(arrivedAtMs / 1000) + Math.round(retentionDays * 86_400);
}
