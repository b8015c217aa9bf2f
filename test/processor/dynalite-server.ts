/**
 * A real dynalite server on 127.0.0.1 for processor tests, plus the table created with the
 * layout from the table contract. dynalite ships no types; it is loaded through createRequire
 * with the one call used here typed locally, so no global `declare module` can clash with the
 * engine's own declaration.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  TABLE_HASH_KEY,
  TABLE_RANGE_KEY,
  TIME_INDEX_HASH_KEY,
  TIME_INDEX_NAME,
  TIME_INDEX_RANGE_KEY,
} from '../../lambda/contract/table-layout.js';

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

export interface DynaliteHandle {
  endpoint: string;
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint,
    client,
    documents: DynamoDBDocumentClient.from(client),
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let tableCounter = 0;

/** Creates a fresh table with the contract's key schema and ByTime index; returns its name. */
export async function createEventTable(client: DynamoDBClient): Promise<string> {
  const name = `EventData-${process.pid}-${++tableCounter}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [TABLE_HASH_KEY, TABLE_RANGE_KEY, TIME_INDEX_HASH_KEY, TIME_INDEX_RANGE_KEY].map(
        (attribute) => ({ AttributeName: attribute, AttributeType: 'S' as const }),
      ),
      KeySchema: [
        { AttributeName: TABLE_HASH_KEY, KeyType: 'HASH' },
        { AttributeName: TABLE_RANGE_KEY, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: TIME_INDEX_NAME,
          KeySchema: [
            { AttributeName: TIME_INDEX_HASH_KEY, KeyType: 'HASH' },
            { AttributeName: TIME_INDEX_RANGE_KEY, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  return name;
}

/** Every item of a table (tests only: a Scan is fine on a few thousand items). */
export async function scanAll(
  documents: DynamoDBDocumentClient,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page: ScanCommandOutput = await documents.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
