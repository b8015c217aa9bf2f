/** One DescribeTable before reading: missing table or index, and how far back items can exist. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TIME_INDEX_NAME } from '../../lambda/contract/table-layout.js';
import { UserError } from '../errors.js';

export interface EventTableInfo {
  /** When the table was created, epoch ms (undefined when the service does not say). */
  createdMs?: number;
}

/**
 * One DescribeTable before reading: it tells a missing table or index apart from an empty one,
 * and the creation time bounds how far back items can exist (see `oldestPossibleArrival`).
 */
export async function checkEventTable(client: DynamoDBClient, tableName: string): Promise<EventTableInfo> {
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName);
  if (!indexes.includes(TIME_INDEX_NAME)) {
    throw new UserError(`Table ${tableName} has no ${TIME_INDEX_NAME} index, so browse cannot read it newest-first`, {
      hint: 'Run `streamproc deploy` to update the stack to the current template.',
      code: 'TABLE_LAYOUT',
    });
  }
  const created = Table?.CreationDateTime;
  return { createdMs: created ? new Date(created).getTime() : undefined };
}

/**
 * The oldest arrival time an item of this table can carry: a record can reach the table only
 * while it is in the stream, so nothing arrived earlier than the table's creation minus the
 * stream's retention. On a young table this keeps a short read from walking back through the
 * whole data-retention window (hundreds of empty hour buckets). (A table restored from a backup
 * is younger than its items; `--since` still reaches them.)
 */
export function oldestPossibleArrival(info: EventTableInfo, streamRetentionHours: number): number | undefined {
  if (info.createdMs === undefined || !Number.isFinite(info.createdMs)) return undefined;
  // A few minutes of slack for clock skew between the stream and the table's clocks.
  return info.createdMs - streamRetentionHours * 3_600_000 - 5 * 60_000;
}
