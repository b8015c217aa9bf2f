/**
 * A real dynalite server on 127.0.0.1 for processor tests, plus the event table in the
 * contract's layout (both from test/helpers/dynalite.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbClient, type DynamoDbClient } from '../../lambda/processor/dynamodb-client.js';
import { createEventTable as createTable, listenDynalite, localDynamoClient } from './dynalite.js';

export interface DynaliteHandle {
  endpoint: string;
  /** SDK client, for setting up and reading tables. */
  client: DynamoDBClient;
  /** The processor's own client, what the handler writes with in production. */
  writer: DynamoDbClient;
  documents: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<DynaliteHandle> {
  const server = await listenDynalite();
  const client = localDynamoClient(server.endpoint);
  const writer = createDynamoDbClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
  });
  return {
    endpoint: server.endpoint,
    client,
    writer,
    documents: DynamoDBDocumentClient.from(client),
    async close() {
      client.destroy();
      writer.destroy();
      await server.close();
    },
  };
}

let tableCounter = 0;

/** Creates a fresh table with the contract's key schema and ByTime index; returns its name. */
export function createEventTable(client: DynamoDBClient): Promise<string> {
  return createTable(client, `EventData-${process.pid}-${++tableCounter}`);
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
