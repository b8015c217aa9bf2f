/** One user's tweets through the base key, newest first. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EventItem, userPartitionKey } from '../../lambda/contract/table-layout.js';
import { matchesFilter } from './item-filter.js';
import { queryUntil, RequestGate } from './table-query.js';

/**
 * One user's tweets through the base key (`pk = user#<name>`, `sk = tweet#<id>`), newest id first.
 *
 * Time bounds apply to the arrival time, as everywhere in browse, and are a server-side
 * FilterExpression on `arrivedAt` rather than a key condition: turning them into tweet-id bounds
 * works only for X snowflake ids (time in the high bits), and replayed or synthetic tweets carry
 * ids that are not. A user's partition is small (one person's tweets within the retention), and
 * `maxExamined` bounds the read anyway.
 */

export interface ReadUserHistoryOptions {
  client: DynamoDBClient;
  tableName: string;
  username: string;
  /** Default 20. */
  limit?: number;
  sinceMs?: number;
  untilMs?: number;
  /** Client-side text filter (see ItemFilter.grep). */
  grep?: string;
  /** Client-side network filter (see ItemFilter.network). */
  network?: string;
  /** Stop after examining this many items (default 50,000). */
  maxExamined?: number;
}

export interface ReadUserHistoryResult {
  /** Oldest first (newest last). */
  items: EventItem[];
  queries: number;
  examined: number;
  complete: boolean;
}

export async function readUserHistory(options: ReadUserHistoryOptions): Promise<ReadUserHistoryResult> {
  const limit = options.limit ?? 20;
  const maxExamined = options.maxExamined ?? 50_000;
  const gate = new RequestGate(1);
  const values: Record<string, { S: string }> = {
    ':pk': { S: userPartitionKey(options.username.replace(/^@/, '')) },
    ':tweet': { S: 'tweet#' },
  };
  const conditions: string[] = [];
  if (options.sinceMs !== undefined) {
    conditions.push('arrivedAt >= :since');
    values[':since'] = { S: new Date(options.sinceMs).toISOString() };
  }
  if (options.untilMs !== undefined) {
    conditions.push('arrivedAt <= :until');
    values[':until'] = { S: new Date(options.untilMs).toISOString() };
  }
  const filtering = conditions.length > 0 || Boolean(options.grep) || Boolean(options.network);
  const result: ReadUserHistoryResult = { items: [], queries: 0, examined: 0, complete: true };
  if (limit <= 0) return result;
  const newestFirst: EventItem[] = [];
  await queryUntil(
    options.client,
    gate,
    {
      TableName: options.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tweet)',
      ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: filtering ? Math.max(100, limit) : limit,
    },
    (page) => {
      result.examined += page.length;
      for (const item of page) {
        if (newestFirst.length < limit && matchesFilter(item, { grep: options.grep, network: options.network }))
          newestFirst.push(item);
      }
      if (newestFirst.length >= limit) return true;
      if (result.examined >= maxExamined) {
        result.complete = false;
        return true;
      }
      return false;
    },
  );
  result.items = newestFirst.reverse();
  result.queries = gate.requests;
  return result;
}
