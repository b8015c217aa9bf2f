/** Paginated Query with a shared cap on requests in flight (browse never scans). */
import type { AttributeValue, DynamoDBClient, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { EventItem } from '../../lambda/contract/table-layout.js';
import { fromItem } from './attribute-values.js';

/**
 * One paginated Query, as typed items, with a cap on requests in flight shared by every query of
 * a read (so probing many hour buckets in parallel cannot open hundreds of sockets). Only Query:
 * browse never scans.
 */

export type Clock = () => number;

/** Limits concurrent requests; FIFO so that the newest buckets (queued first) are answered first. */
export class RequestGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Queries sent through this gate. */
  requests = 0;

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    this.requests++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface QueryPage {
  items: EventItem[];
  lastKey?: Record<string, AttributeValue>;
}

export async function queryPage(
  client: DynamoDBClient,
  gate: RequestGate,
  input: QueryCommandInput,
): Promise<QueryPage> {
  const { QueryCommand } = await import('@aws-sdk/client-dynamodb');
  const output = await gate.run(() => client.send(new QueryCommand(input)));
  return {
    items: (output.Items ?? []).map((item) => fromItem(item) as unknown as EventItem),
    lastKey: output.LastEvaluatedKey,
  };
}

/**
 * Reads pages of one query until `enough(items)` says stop or the partition is exhausted.
 * Returns the items read and whether more remained.
 */
export async function queryUntil(
  client: DynamoDBClient,
  gate: RequestGate,
  input: QueryCommandInput,
  enough: (page: EventItem[]) => boolean,
): Promise<{ exhausted: boolean }> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await queryPage(client, gate, { ...input, ExclusiveStartKey: start });
    start = page.lastKey;
    if (enough(page.items)) return { exhausted: start === undefined };
  } while (start);
  return { exhausted: true };
}

/** `tsk` range covering arrivals from `fromMs` to `toMs` inclusive (tsk = `<ISO>#<id>`). */
export function tskRange(fromMs: number, toMs: number): { low: string; high: string } {
  return { low: new Date(Math.max(0, fromMs)).toISOString(), high: `${new Date(toMs).toISOString()}#\uffff` };
}

/** Every UTC hour bucket from the one holding `fromMs` to the one holding `toMs`, newest first. */
export function hourBucketsBetween(fromMs: number, toMs: number): number[] {
  const hour = 3_600_000;
  const buckets: number[] = [];
  for (let start = Math.floor(toMs / hour) * hour; start >= Math.floor(fromMs / hour) * hour; start -= hour) {
    buckets.push(start);
  }
  return buckets;
}

/** Dedupe key of an item: its base-table key, so a re-delivered tweet counts once. */
export function itemKey(item: EventItem): string {
  return `${item.pk}\u0000${item.sk}`;
}
