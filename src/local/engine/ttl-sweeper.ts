/**
 * dynalite has no UpdateTimeToLive, so the engine deletes expired items itself: every interval it
 * scans (paged) for items whose TTL attribute, in epoch seconds, is in the past and deletes them.
 * Like DynamoDB, items without the attribute or with a non-numeric one are left alone.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TTL_SWEEP_INTERVAL_MS } from './constants.js';
import type { TtlStatus } from './protocol.js';

export interface TtlSweeperOptions {
  dynamodb: DynamoDBClient;
  tableName: string;
  attribute: string;
  keyAttributes: string[];
  /** Default 60 s. */
  intervalMs?: number;
  now?: () => number;
  log?: (event: Record<string, unknown>) => void;
}

export interface TtlSweeper {
  /** One pass; resolves to the number of items deleted. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
  stats(): TtlStatus;
}

export function startTtlSweeper(options: TtlSweeperOptions): TtlSweeper {
  const now = options.now ?? Date.now;
  let sweeps = 0;
  let deleted = 0;
  let lastSweepAt: string | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function pass(): Promise<number> {
    const sdk = await import('@aws-sdk/client-dynamodb');
    let removed = 0;
    let start: Record<string, unknown> | undefined;
    const names: Record<string, string> = { '#ttl': options.attribute };
    options.keyAttributes.forEach((k, i) => {
      names[`#k${i}`] = k;
    });
    do {
      const page = await options.dynamodb.send(
        new sdk.ScanCommand({
          TableName: options.tableName,
          FilterExpression: '#ttl < :now',
          ProjectionExpression: options.keyAttributes.map((_k, i) => `#k${i}`).join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(now() / 1000)) } },
          ExclusiveStartKey: start as never,
          Limit: 500,
        }),
      );
      const keys = page.Items ?? [];
      for (let i = 0; i < keys.length && !stopped; i += 25) {
        let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        for (let attempt = 0; requests.length > 0 && attempt < 5; attempt += 1) {
          const result = await options.dynamodb.send(
            new sdk.BatchWriteItemCommand({ RequestItems: { [options.tableName]: requests } }),
          );
          const left = (result.UnprocessedItems?.[options.tableName] ?? []) as typeof requests;
          removed += requests.length - left.length;
          requests = left;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start && !stopped);
    return removed;
  }

  async function sweep(): Promise<number> {
    if (running) return running;
    running = pass()
      .then((n) => {
        sweeps += 1;
        deleted += n;
        lastSweepAt = new Date(now()).toISOString();
        if (n > 0) options.log?.({ msg: 'ttl sweep', table: options.tableName, deleted: n });
        return n;
      })
      .catch((error: Error) => {
        options.log?.({ level: 'error', msg: 'ttl sweep failed', error: error.message });
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = setInterval(() => void sweep(), options.intervalMs ?? TTL_SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    stats: () => ({ sweeps, deleted, ...(lastSweepAt ? { lastSweepAt } : {}) }),
  };
}
