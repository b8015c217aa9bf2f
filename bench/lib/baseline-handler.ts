/**
 * The baseline the processor is measured against, written the way the original reference
 * handler worked: parse every record, build plain objects, then BatchWriteItem through the
 * DocumentClient (generic marshalling) 25 items at a time, one request after another, resending
 * UnprocessedItems. It produces the same items, so only the write strategy and marshalling differ.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type BatchWriteCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildItem } from '../../lambda/processor/items.js';
import type { KinesisStreamEvent } from '../../lambda/processor/types.js';

export function createBaselineHandler(endpoint: string, tableName: string) {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    }),
  );
  return async (event: KinesisStreamEvent): Promise<void> => {
    const nowMs = Date.now();
    const ctx = { nowMs, processedAt: new Date(nowMs).toISOString(), retentionDays: 30 };
    const items = event.Records.map((record) => buildItem(record, ctx));
    for (let i = 0; i < items.length; i += 25) {
      let requests: Record<string, unknown>[] | undefined = items
        .slice(i, i + 25)
        .map((Item) => ({ PutRequest: { Item } }));
      while (requests && requests.length > 0) {
        const output: BatchWriteCommandOutput = await documents.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
        );
        requests = output.UnprocessedItems?.[tableName];
      }
    }
  };
}
