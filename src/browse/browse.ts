import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventItem, ItemKind } from '../../lambda/contract/table-layout.js';
import { followItems, TableFollower } from './follow.js';
import { readNewest } from './newest.js';
import { checkEventTable, oldestPossibleArrival } from './table-check.js';
import { translateTableError } from './table-errors.js';
import type { Clock } from './table-query.js';
import { readUserHistory } from './user-history.js';

/**
 * The browse service: the newest items of the table (through the time index, or one user's
 * history through the base key), and then, when following, the items that appear. Pure: it takes
 * a client and a clock, returns items, and throws UserErrors the command prints.
 */

export interface BrowseOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Endpoint override, for error messages only. */
  endpoint?: string;
  /** `tweet` (default) or `rejected`. */
  kind?: ItemKind;
  /** Default 20. */
  limit?: number;
  sinceMs?: number;
  untilMs?: number;
  /** One user's history (tweets only). */
  user?: string;
  grep?: string;
  /** Stack retention in days (bounds the walk back through the time index). Default 30. */
  retentionDays?: number;
  /** Stops a long walk back through the index (Ctrl-C). */
  signal?: AbortSignal;
  /** The stream's retention (StreamRetentionHours), with the table's age a bound on the walk. Default 24. */
  streamRetentionHours?: number;
  now?: Clock;
}

export interface BrowseResult {
  tableName: string;
  kind: ItemKind;
  /** Oldest first, newest last. */
  items: EventItem[];
  /** `time-index` (ByTime GSI) or `user-history` (base key). */
  via: 'time-index' | 'user-history';
  queries: number;
  examined: number;
  /** False when a read cap stopped a filtered read early. */
  complete: boolean;
}

async function translated<T>(options: BrowseOptions, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateTableError(error, { tableName: options.tableName, endpoint: options.endpoint });
  }
}

export async function browseTable(options: BrowseOptions): Promise<BrowseResult> {
  const kind = options.kind ?? 'tweet';
  return translated(options, async () => {
    if (options.user && kind === 'tweet') {
      const read = await readUserHistory({
        client: options.client,
        tableName: options.tableName,
        username: options.user as string,
        limit: options.limit,
        sinceMs: options.sinceMs,
        untilMs: options.untilMs,
        grep: options.grep,
      });
      return { tableName: options.tableName, kind, via: 'user-history' as const, ...read };
    }
    // Describing the table (its age bounds the walk; a missing index is named) overlaps the first
    // round of queries instead of preceding it.
    const tableCheck = checkEventTable(options.client, options.tableName);
    const notBefore = tableCheck.then((table) => oldestPossibleArrival(table, options.streamRetentionHours ?? 24));
    // Awaited below (or by readNewest); until then a rejection must not count as unhandled.
    notBefore.catch(() => {});
    const read = await readNewest({
      client: options.client,
      tableName: options.tableName,
      kind,
      limit: options.limit,
      sinceMs: options.sinceMs,
      untilMs: options.untilMs,
      filter: { user: options.user, grep: options.grep },
      retentionDays: options.retentionDays,
      notBeforeMs: notBefore,
      signal: options.signal,
      now: options.now,
    });
    await notBefore;
    return {
      tableName: options.tableName,
      kind,
      via: 'time-index' as const,
      items: read.items,
      queries: read.queries,
      examined: read.examined,
      complete: read.complete,
    };
  });
}

export interface FollowTableOptions extends Omit<BrowseOptions, 'signal'> {
  /** What the initial read showed: never repeated. */
  shown: EventItem[];
  /** Default 1000 ms. */
  intervalMs?: number;
  /** Default 30 s. */
  lookbackMs?: number;
  signal: AbortSignal;
}

/** Batches of new items (oldest first within a batch) until the signal aborts. */
export async function* followTable(options: FollowTableOptions): AsyncGenerator<EventItem[]> {
  const follower = new TableFollower({
    client: options.client,
    tableName: options.tableName,
    kind: options.kind,
    filter: { user: options.user, grep: options.grep },
    now: options.now,
    lookbackMs: options.lookbackMs,
    shown: options.shown,
  });
  const batches = followItems(follower, { intervalMs: options.intervalMs, signal: options.signal });
  while (true) {
    const next = await translated(options, () => batches.next());
    if (next.done) return;
    yield next.value;
  }
}
