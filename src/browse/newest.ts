/** The newest N items of a kind through the ByTime index, walking back hour by hour. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type EventItem,
  hourBucketOf,
  type ItemKind,
  TIME_INDEX_NAME,
  timeIndexPartitions,
} from '../../lambda/contract/table-layout.js';
import { hasClientFilter, type ItemFilter, matchesFilter } from './item-filter.js';
import { type Clock, hourBucketsBetween, queryUntil, RequestGate, tskRange } from './table-query.js';

/**
 * The newest N items of a kind, read through the `ByTime` index: every write shard of the newest
 * hour bucket is queried newest-first with Limit N, the shards are merged, and the read walks back
 * hour by hour until N items are found or the lower bound is reached: `--since`, the retention
 * window (beyond which TTL has deleted everything), or the oldest arrival the table can hold. Never a Scan, so the cost depends on N and
 * on how many empty hours precede the newest item, not on the size of the table.
 *
 * Empty hours are probed in parallel rounds that double in size (1, 2, 4 … buckets, capped by the
 * request gate), so a sparse or empty table costs a few round trips rather than hundreds in a row.
 */

const DAY_MS = 86_400_000;

export interface ReadNewestOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Default `tweet`. */
  kind?: ItemKind;
  /** Items wanted, default 20. */
  limit?: number;
  /** Oldest arrival to include, epoch ms (default: now minus the retention). */
  sinceMs?: number;
  /** Newest arrival to include, epoch ms (default: now plus `skewMs`). */
  untilMs?: number;
  filter?: ItemFilter;
  /** The stack's retention in days: nothing older can still be in the table. Default 30. */
  retentionDays?: number;
  /** Default `Date.now`. */
  now?: Clock;
  /**
   * No item can have arrived before this (epoch ms), e.g. the table's creation minus the stream's
   * retention; bounds the walk on a young table. May be a promise: the first round of queries
   * does not wait for it.
   */
  notBeforeMs?: number | Promise<number | undefined>;
  /** Queries in flight at once, default 16. */
  concurrency?: number;
  /**
   * How far ahead of the reader's clock arrival times may be (the writer's clock — Kinesis on
   * AWS — may run ahead of this machine's). Default 5 minutes.
   */
  skewMs?: number;
  /** With client-side filters: stop after examining this many items (default 50,000). */
  maxExamined?: number;
  /** Stops the walk between rounds (Ctrl-C); the read rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ReadNewestResult {
  /** Oldest first (newest last, like `tail`). */
  items: EventItem[];
  /** Query requests sent. */
  queries: number;
  /** Hour buckets read. */
  buckets: number;
  /** Items read from the table (more than `items` when filters dropped some). */
  examined: number;
  /** False when `maxExamined` stopped the read before the lower bound. */
  complete: boolean;
}

export async function readNewest(options: ReadNewestOptions): Promise<ReadNewestResult> {
  const now = (options.now ?? Date.now)();
  const kind = options.kind ?? 'tweet';
  const limit = options.limit ?? 20;
  const filter = options.filter ?? {};
  const filtering = hasClientFilter(filter);
  const maxExamined = options.maxExamined ?? 50_000;
  const gate = new RequestGate(options.concurrency ?? 16);
  const upper = Math.min(options.untilMs ?? Number.POSITIVE_INFINITY, now + (options.skewMs ?? 5 * 60_000));
  let lower = Math.max(options.sinceMs ?? Number.NEGATIVE_INFINITY, now - (options.retentionDays ?? 30) * DAY_MS);
  if (typeof options.notBeforeMs === 'number') lower = Math.max(lower, options.notBeforeMs);
  const result: ReadNewestResult = { items: [], queries: 0, buckets: 0, examined: 0, complete: true };
  if (lower > upper || limit <= 0) return result;
  const { low, high } = tskRange(lower, upper);
  let buckets = hourBucketsBetween(lower, upper);
  const newestFirst: EventItem[] = [];
  const maxRound = Math.max(1, Math.floor((options.concurrency ?? 16) / 2));

  /** The newest `need` matching items of one bucket: each shard newest-first, merged. */
  const readBucket = async (bucketStart: number, need: number): Promise<EventItem[]> => {
    const perShard = await Promise.all(
      timeIndexPartitions(kind, hourBucketOf(bucketStart)).map(async (partition) => {
        const matches: EventItem[] = [];
        await queryUntil(
          options.client,
          gate,
          {
            TableName: options.tableName,
            IndexName: TIME_INDEX_NAME,
            KeyConditionExpression: 'tpk = :p AND tsk BETWEEN :lo AND :hi',
            ExpressionAttributeValues: { ':p': { S: partition }, ':lo': { S: low }, ':hi': { S: high } },
            ScanIndexForward: false,
            // Unfiltered, N items per shard is exactly enough; filtered, read in larger pages.
            Limit: filtering ? Math.max(100, need) : need,
          },
          (page) => {
            result.examined += page.length;
            for (const item of page) if (matchesFilter(item, filter)) matches.push(item);
            if (matches.length >= need) return true;
            if (result.examined >= maxExamined) {
              result.complete = false;
              return true;
            }
            return false;
          },
        );
        return matches;
      }),
    );
    return perShard
      .flat()
      .sort((a, b) => (a.tsk < b.tsk ? 1 : a.tsk > b.tsk ? -1 : 0))
      .slice(0, need);
  };

  let next = 0;
  // The first round covers the last hour and a bit (the current bucket is often only minutes old,
  // and near a boundary the skew allowance adds the next one); later rounds double.
  let round = hourBucketsBetween(Math.max(lower, now - 3_600_000), upper).length;
  let bounded = typeof options.notBeforeMs !== 'object';
  while (next < buckets.length && newestFirst.length < limit && result.complete) {
    options.signal?.throwIfAborted();
    if (!bounded && next > 0) {
      bounded = true;
      const notBefore = await options.notBeforeMs;
      if (notBefore !== undefined && notBefore > lower) {
        if (notBefore > upper) break;
        buckets = [
          ...buckets.slice(0, next),
          ...buckets.slice(next).filter((bucket) => bucket + 3_600_000 > notBefore),
        ];
      }
    }
    const need = limit - newestFirst.length;
    const batch = buckets.slice(next, next + round);
    next += batch.length;
    const found = await Promise.all(batch.map((bucket) => readBucket(bucket, need)));
    result.buckets += batch.length;
    // Buckets are disjoint hours, newest first: appending in order keeps the merge newest-first.
    for (const items of found) {
      newestFirst.push(...items.slice(0, limit - newestFirst.length));
      if (newestFirst.length >= limit) break;
    }
    round = Math.min(round * 2, maxRound);
  }
  result.items = newestFirst.reverse();
  result.queries = gate.requests;
  return result;
}
