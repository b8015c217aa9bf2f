/**
 * A real dynalite on 127.0.0.1 and the event table in the contract's layout, for the tests and
 * benches that need DynamoDB without the whole engine. dynalite ships no types; it is loaded
 * through createRequire with the one call used here typed locally.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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

/** Starts dynalite in this process on a free loopback port. */
export async function listenDynalite(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A DynamoDB client for a local endpoint: HTTP/1.1, dummy credentials, no SDK retries. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000 }),
  });
}

/** The event table as the template declares it: base key pk/sk, the ByTime index (projection ALL). */
export function eventTableInput(name: string): CreateTableCommandInput {
  return {
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
  };
}

export async function createEventTable(client: DynamoDBClient, name: string): Promise<string> {
  await client.send(new CreateTableCommand(eventTableInput(name)));
  return name;
}
