/** Follow mode: items that appear in the time index after following started, once each. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type EventItem,
  hourBucketOf,
  type ItemKind,
  TIME_INDEX_NAME,
  timeIndexPartitions,
} from '../../lambda/contract/table-layout.js';
import { sleep } from '../sleep.js';
import { type ItemFilter, matchesFilter } from './item-filter.js';
import { type Clock, hourBucketsBetween, itemKey, queryUntil, RequestGate } from './table-query.js';

/**
 * Follow mode: items that become visible in the `ByTime` index after following started.
 *
 * An item's index key is its arrival time, but it becomes readable only later (after the mapping
 * batches it and the processor writes it), shards and hour buckets are written independently, and
 * the writer's clock is not the reader's. So each poll re-reads a window, from the newest arrival
 * seen (never later than the reader's clock) minus `lookbackMs`, in every shard of every hour bucket
 * the window touches — the previous and the current hour near a boundary — and drops what it has
 * already returned. The seen-set is keyed by the base-table key and pruned to the window, so memory
 * stays bounded by the items arriving in one window.
 *
 * An item is missed only if it becomes visible more than `lookbackMs` after its arrival time (as
 * measured by the reader's clock): raise the lookback for a lagging pipeline.
 */

const HOUR_MS = 3_600_000;

export interface FollowOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Default `tweet`. */
  kind?: ItemKind;
  /** Client-side filters: user and grep. */
  filter?: ItemFilter;
  /** Default `Date.now`. */
  now?: Clock;
  /** How far back from the newest arrival seen each poll re-reads, default 30 s. */
  lookbackMs?: number;
  /**
   * Also read the next hour's bucket when the reader's clock is this close to it (the writer's
   * clock may be ahead). Default 5 minutes.
   */
  aheadMs?: number;
  /**
   * Items already shown (the initial tail): never returned again, and everything visible now that
   * is older than the newest of them is treated as shown too (it was older than the tail).
   */
  shown?: EventItem[];
  /** Queries in flight at once, default 8. */
  concurrency?: number;
}

/** Polls for new items; `poll()` returns those that appeared since the previous poll, oldest first. */
export class TableFollower {
  /** Query requests sent so far. */
  get queries(): number {
    return this.gate.requests;
  }
  /** Items in the seen-set now (bounded by the window). */
  get remembered(): number {
    return this.seen.size;
  }

  private readonly seen = new Map<string, number>();
  private readonly gate: RequestGate;
  private readonly concurrency: number;
  private readonly now: Clock;
  private readonly lookbackMs: number;
  private readonly aheadMs: number;
  private readonly kind: ItemKind;
  private readonly filter: ItemFilter;
  private readonly startedMs: number;
  private newestArrivalMs?: number;
  /** Tail cut-off: on the first poll, unseen items at or before it were older than the tail. */
  private baselineTsk?: string;
  private first = true;

  constructor(private readonly options: FollowOptions) {
    this.now = options.now ?? Date.now;
    this.lookbackMs = options.lookbackMs ?? 30_000;
    this.aheadMs = options.aheadMs ?? 5 * 60_000;
    this.kind = options.kind ?? 'tweet';
    this.filter = options.filter ?? {};
    this.concurrency = options.concurrency ?? 8;
    this.gate = new RequestGate(this.concurrency);
    this.startedMs = this.now();
    for (const item of options.shown ?? []) this.remember(item);
    const shown = options.shown ?? [];
    this.baselineTsk = shown.reduce<string | undefined>(
      (max, item) => (max === undefined || item.tsk > max ? item.tsk : max),
      undefined,
    );
  }

  /** New items since the last poll; an aborted `signal` stops between queries and returns nothing. */
  async poll(signal?: AbortSignal): Promise<EventItem[]> {
    const now = this.now();
    const anchor = Math.min(this.newestArrivalMs ?? this.startedMs, now);
    // After a long quiet spell the window would otherwise grow to every hour since the last item.
    const low = Math.max(anchor - this.lookbackMs, now - this.lookbackMs - HOUR_MS);
    const lowTsk = new Date(low).toISOString();
    const buckets = hourBucketsBetween(low, now + this.aheadMs);
    const partitions = buckets.flatMap((bucket) => timeIndexPartitions(this.kind, hourBucketOf(bucket)));
    const read = await eachBounded(partitions, this.concurrency, signal, async (partition) => {
      const items: EventItem[] = [];
      await queryUntil(
        this.options.client,
        this.gate,
        {
          TableName: this.options.tableName,
          IndexName: TIME_INDEX_NAME,
          KeyConditionExpression: 'tpk = :p AND tsk >= :lo',
          ExpressionAttributeValues: { ':p': { S: partition }, ':lo': { S: lowTsk } },
          ScanIndexForward: true,
        },
        (page) => {
          items.push(...page);
          return false;
        },
      );
      return items;
    });
    if (signal?.aborted) return [];
    const fresh: EventItem[] = [];
    for (const item of read.flat()) {
      const key = itemKey(item);
      if (this.seen.has(key)) {
        this.remember(item);
        continue;
      }
      this.remember(item);
      if (this.first && this.baselineTsk !== undefined && item.tsk <= this.baselineTsk) continue;
      if (matchesFilter(item, this.filter)) fresh.push(item);
    }
    this.first = false;
    // Nothing below `low` can be read again (low never decreases), so forget it.
    for (const [key, arrival] of this.seen) if (arrival < low) this.seen.delete(key);
    return fresh.sort((a, b) => (a.tsk < b.tsk ? -1 : a.tsk > b.tsk ? 1 : 0));
  }

  private remember(item: EventItem): void {
    const arrival = Date.parse(item.arrivedAt);
    const known = this.seen.get(itemKey(item));
    this.seen.set(itemKey(item), known === undefined ? arrival : Math.max(known, arrival));
    if (this.newestArrivalMs === undefined || arrival > this.newestArrivalMs) this.newestArrivalMs = arrival;
  }
}

/**
 * Runs `work` over `inputs` with at most `limit` at a time, in order of the inputs, without
 * creating a promise per input up front (a long look-back spans thousands of partitions);
 * stops taking new inputs once `signal` aborts.
 */
async function eachBounded<T, R>(
  inputs: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (input: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < inputs.length && !signal?.aborted) {
      const index = next++;
      results[index] = await work(inputs[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results.filter((r) => r !== undefined);
}

export interface FollowLoopOptions {
  /** Between the starts of two polls, default 1000 ms. */
  intervalMs?: number;
  /** Stops the loop (Ctrl-C). */
  signal: AbortSignal;
}

/** New items as they appear, one batch per poll that found any, until `signal` aborts. */
export async function* followItems(follower: TableFollower, options: FollowLoopOptions): AsyncGenerator<EventItem[]> {
  const interval = options.intervalMs ?? 1000;
  while (!options.signal.aborted) {
    const started = Date.now();
    const batch = await follower.poll(options.signal);
    if (batch.length > 0) yield batch;
    await sleep(Math.max(0, interval - (Date.now() - started)), options.signal);
  }
}
