/** `redrive --rejected`: quarantined malformed records whose raw payload was stored whole, sent to the stream again. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { RejectedItem } from '../../lambda/contract/table-layout.js';
import { createDynamoDbClient } from '../aws/clients.js';
import { browseTable } from '../browse/browse.js';
import type { Reporter } from '../progress.js';
import type { PipelineEndpoints } from '../target.js';
import { withRetries } from './aws-calls.js';
import { putBack } from './re-put.js';

/** Rejected items read per run at most; more is said, not silently left. */
const MAX_REJECTED = 100_000;
/** Put back and deleted this many at a time, so an interruption repeats at most one group. */
const GROUP = 25;

export interface RejectedResult {
  /** Rejected items found in the table. */
  found: number;
  /** Re-sent to the stream (in a dry run: that would be), and their rejected items deleted. */
  resent: number;
  /** Could not be re-sent: the stored raw payload is not the whole record. */
  notResendable: { shardId: string; seq: string; reason: string }[];
  /** False when the read stopped at MAX_REJECTED items. */
  complete: boolean;
}

/** Why a rejected item's raw payload cannot be re-sent (pure), or undefined when it was stored whole. */
export function notResendableReason(item: Pick<RejectedItem, 'raw' | 'rawBytes' | 'rawTruncated'>): string | undefined {
  if (item.rawTruncated) return `raw truncated: ${item.rawBytes} bytes, 4 KiB kept`;
  // Stored decoded leniently as UTF-8: when the text's bytes are not the payload's, it was not UTF-8.
  if (Buffer.byteLength(item.raw, 'utf8') !== item.rawBytes) {
    return 'raw not UTF-8: stored text differs';
  }
  return undefined;
}

export interface RedriveRejectedOptions {
  endpoints: PipelineEndpoints;
  kinesis: Pick<KinesisClient, 'send'>;
  dryRun: boolean;
  reporter: Reporter;
  signal: AbortSignal;
  backoffBaseMs?: number;
}

/**
 * Reads the table's rejected items (through the time index, as `browse --rejected` does), puts
 * each one stored whole back into the stream with its partition key and, once the stream
 * accepted it, deletes the rejected item: a record the fixed processor accepts becomes a tweet;
 * one it rejects again is quarantined again under its new sequence number.
 */
export async function redriveRejected(options: RedriveRejectedOptions): Promise<RejectedResult> {
  const { endpoints } = options;
  const dynamodb = await createDynamoDbClient({
    region: endpoints.region,
    profile: endpoints.profile,
    service: endpoints.dynamodb,
  });
  try {
    const read = await browseTable({
      client: dynamodb,
      tableName: endpoints.tableName,
      endpoint: endpoints.dynamodb.endpoint,
      kind: 'rejected',
      limit: MAX_REJECTED,
      signal: options.signal,
    });
    const items = read.items.filter((item): item is RejectedItem => item.kind === 'rejected');
    const result: RejectedResult = {
      found: items.length,
      resent: 0,
      notResendable: [],
      complete: items.length < MAX_REJECTED,
    };
    const whole: RejectedItem[] = [];
    for (const item of items) {
      const reason = notResendableReason(item);
      if (reason) result.notResendable.push({ shardId: item.shardId, seq: item.seq, reason });
      else whole.push(item);
    }
    if (options.dryRun) {
      result.resent = whole.length;
      return result;
    }
    const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
    for (let i = 0; i < whole.length; i += GROUP) {
      options.signal.throwIfAborted();
      const group = whole.slice(i, i + GROUP);
      await putBack({
        client: options.kinesis,
        streamName: endpoints.streamName,
        records: group.map((item) => ({
          partitionKey: item.partitionKey || item.shardId,
          data: Buffer.from(item.raw, 'utf8'),
        })),
        signal: options.signal,
        backoffBaseMs: options.backoffBaseMs,
      });
      for (const item of group) {
        await withRetries(
          () =>
            dynamodb.send(
              new DeleteItemCommand({
                TableName: endpoints.tableName,
                Key: { pk: { S: item.pk }, sk: { S: item.sk } },
              }),
            ),
          { signal: options.signal, baseMs: options.backoffBaseMs },
        );
        result.resent += 1;
      }
      options.reporter.info(`Re-sent ${result.resent} of ${whole.length} rejected records.`);
    }
    return result;
  } finally {
    dynamodb.destroy();
  }
}
