/**
 * dynalite, the DynamoDB emulator the engine embeds, on 127.0.0.1 in this process: clients for it
 * (one that records the commands it sends, to prove browse never scans; the processor's own), the
 * event table in the contract's layout, and small read/write helpers. dynalite ships no types; it
 * is loaded through createRequire with the one call used here typed locally.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  TABLE_HASH_KEY,
  TABLE_RANGE_KEY,
  TIME_INDEX_HASH_KEY,
  TIME_INDEX_NAME,
  TIME_INDEX_RANGE_KEY,
} from '../../lambda/contract/table-layout.js';
import { createDynamoDbClient, type DynamoDbClient } from '../../lambda/processor/dynamodb-client.js';

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * A DynamoDB client for a local endpoint: HTTP/1.1 (the emulators need it), dummy credentials.
 * `maxAttempts` defaults to 1: a retry would hide what a test provokes.
 */
export function localDynamoClient(endpoint: string, maxAttempts = 1): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000 }),
  });
}

export interface RecordingClient extends DynamoDBClient {
  /** Names of the commands sent, in order (QueryCommand, …). */
  sent: string[];
}

/** A local client that notes the name of every command it sends. */
export function recordingClient(endpoint: string): RecordingClient {
  const client = localDynamoClient(endpoint) as RecordingClient;
  client.sent = [];
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as { send: unknown }).send = (command: { constructor: { name: string } }) => {
    client.sent.push(command.constructor.name);
    return send(command);
  };
  return client;
}

export interface DynaliteHandle {
  endpoint: string;
  /** For the code under test and for setting up tables; records what it sends. */
  client: RecordingClient;
  /** The processor's own client, what the handler writes with in production. */
  writer: DynamoDbClient;
  /** For a test's own reads and writes, on a client of its own so that `client.sent` stays the code's. */
  documents: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/** dynalite alone (in memory, instant table creation) on a free loopback port. */
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

/** dynalite with the clients a test uses on it. */
export async function startDynalite(): Promise<DynaliteHandle> {
  const server = await listenDynalite();
  const { endpoint } = server;
  const client = recordingClient(endpoint);
  const own = localDynamoClient(endpoint);
  const writer = createDynamoDbClient({ region: 'us-east-1', endpoint, credentials: () => LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    writer,
    documents: DynamoDBDocumentClient.from(own, { marshallOptions: { removeUndefinedValues: true } }),
    async close() {
      client.destroy();
      own.destroy();
      writer.destroy();
      await server.close();
    },
  };
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

let tables = 0;

/** Creates the event table (a fresh name unless given one) through `db.client`; returns its name. */
export async function createEventTable(
  db: { client: DynamoDBClient },
  name = `EventData-${process.pid}-${++tables}`,
): Promise<string> {
  await db.client.send(new CreateTableCommand(eventTableInput(name)));
  return name;
}

/** Writes items in BatchWriteItem chunks of 25. */
export async function putItems(db: { documents: DynamoDBDocumentClient }, table: string, items: object[]) {
  for (let i = 0; i < items.length; i += 25) {
    const chunk = items.slice(i, i + 25);
    await db.documents.send(
      new BatchWriteCommand({ RequestItems: { [table]: chunk.map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
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
