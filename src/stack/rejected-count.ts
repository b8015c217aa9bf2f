/**
 * Counts the rejected (malformed) records stored since a time, through the table's time index with
 * Select COUNT: no Scan and no item payloads, on either target (the local engine runs it beside its
 * warm DynamoDB client; `status` on AWS runs it directly).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  hourBucketOf,
  TIME_INDEX_HASH_KEY,
  TIME_INDEX_NAME,
  TIME_INDEX_RANGE_KEY,
  timeIndexPartitions,
} from '../../lambda/contract/table-layout.js';

/** The longest look-back counted: a bucket is an hour with 4 partitions, so a day is 96 queries. */
export const REJECTED_COUNT_MAX_MS = 24 * 3_600_000;

export interface RejectedCount {
  count: number;
  /** Counting stopped at the cap: there are at least `count`. */
  capped: boolean;
}

/** The index partitions holding rejected records that arrived in [sinceMs, nowMs], newest hour first. */
export function rejectedPartitions(sinceMs: number, nowMs: number): string[] {
  const partitions: string[] = [];
  const hour = 3_600_000;
  for (let at = Math.floor(nowMs / hour) * hour; at >= Math.floor(sinceMs / hour) * hour; at -= hour) {
    partitions.push(...timeIndexPartitions('rejected', hourBucketOf(at)));
  }
  return partitions;
}

export async function countRejected(options: {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  sinceMs: number;
  nowMs?: number;
  cap: number;
}): Promise<RejectedCount> {
  const { QueryCommand } = await import('@aws-sdk/client-dynamodb');
  const nowMs = options.nowMs ?? Date.now();
  const sinceMs = Math.max(options.sinceMs, nowMs - REJECTED_COUNT_MAX_MS);
  const since = new Date(sinceMs).toISOString();
  let count = 0;
  const pending = rejectedPartitions(sinceMs, nowMs);
  const worker = async () => {
    for (let partition = pending.shift(); partition !== undefined && count < options.cap; partition = pending.shift()) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await options.client.send(
          new QueryCommand({
            TableName: options.tableName,
            IndexName: TIME_INDEX_NAME,
            Select: 'COUNT',
            KeyConditionExpression: '#p = :p AND #s >= :since',
            ExpressionAttributeNames: { '#p': TIME_INDEX_HASH_KEY, '#s': TIME_INDEX_RANGE_KEY },
            ExpressionAttributeValues: { ':p': { S: partition }, ':since': { S: since } },
            ExclusiveStartKey: start as never,
          }),
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start && count < options.cap);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { count: Math.min(count, options.cap), capped: count >= options.cap };
}
