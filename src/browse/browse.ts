/** The browse service: a stack's table read newest-first, then followed as items arrive. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventItem, ItemKind } from '../../lambda/contract/table-layout.js';
import { createDynamoDbClient } from '../aws/clients.js';
import type { StackSettings } from '../config/settings.js';
import type { ResolvedStack } from '../config/store.js';
import type { StackTarget } from '../target.js';
import { targetFor } from '../targets.js';
import { followItems, TableFollower } from './follow.js';
import { readNewest } from './newest.js';
import { checkEventTable, oldestPossibleArrival } from './table-check.js';
import { translateTableError } from './table-errors.js';
import type { Clock } from './table-query.js';
import { readUserHistory } from './user-history.js';

/**
 * `browseStack` finds a stack's table through its target and opens a client for it; `browseTable`
 * reads the newest items (through the time index, or one user's history through the base key) and
 * `followTable` the items that appear after. They take a client and a clock, return items, and
 * throw UserErrors the command prints.
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
  /** Whose posts (see ItemFilter.network). */
  network?: string;
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
        network: options.network,
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
      filter: { user: options.user, grep: options.grep, network: options.network },
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
    filter: { user: options.user, grep: options.grep, network: options.network },
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

/** What to read: the item kind and the filters (everything `browse`'s flags choose but the pacing). */
export type TableQuery = Pick<BrowseOptions, 'kind' | 'limit' | 'sinceMs' | 'untilMs' | 'user' | 'grep' | 'network'>;

/** A stack's table, open for reading; `close()` releases the client. */
export interface StackTable {
  tableName: string;
  /** The newest items matching the query, oldest first; `signal` stops a long walk back. */
  newest(query: TableQuery, signal?: AbortSignal): Promise<BrowseResult>;
  /** Batches of items that appear from now on, never repeating `shown`, until `signal` aborts. */
  follow(
    query: TableQuery & Pick<FollowTableOptions, 'shown' | 'intervalMs' | 'lookbackMs' | 'signal'>,
  ): AsyncGenerator<EventItem[]>;
  close(): void;
}

/**
 * How far back the table can hold items, from the stack's settings: `retentionDays` (which
 * outranks a saved DataRetentionDays parameter at deploy) and the stream's StreamRetentionHours.
 * A value that is not a positive number leaves the browse default in place.
 */
export function retentionBounds(settings: StackSettings): { retentionDays?: number; streamRetentionHours?: number } {
  const positive = (value: number) => (Number.isFinite(value) && value > 0 ? value : undefined);
  return {
    retentionDays: positive(Number(settings.retentionDays)),
    streamRetentionHours: positive(Number(settings.parameters?.StreamRetentionHours ?? 24)),
  };
}

/** Opens the stack's table: its name and client settings from the target, its bounds from the settings. */
export async function browseStack(options: { stack: ResolvedStack; target?: StackTarget }): Promise<StackTable> {
  const { stack } = options;
  const target = options.target ?? (await targetFor(stack.settings));
  const endpoints = await target.endpoints(stack);
  const client = await createDynamoDbClient({
    region: endpoints.region,
    profile: endpoints.profile,
    service: endpoints.dynamodb,
  });
  const base = {
    client,
    tableName: endpoints.tableName,
    endpoint: endpoints.dynamodb.endpoint,
    ...retentionBounds(stack.settings),
  };
  return {
    tableName: endpoints.tableName,
    newest: (query, signal) => browseTable({ ...base, ...query, signal }),
    follow: (query) => followTable({ ...base, ...query }),
    close: () => client.destroy(),
  };
}
