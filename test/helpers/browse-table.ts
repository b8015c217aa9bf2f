/**
 * A real dynalite on 127.0.0.1 with tables in the contract's layout, a client that records every
 * command it sends (to prove browse never scans), and item factories built with the contract's
 * own key helpers, as the processor builds them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  expiryOf,
  type RejectedItem,
  rejectedPartitionKey,
  rejectedSortKey,
  type TweetItem,
  timeIndexKeyOf,
  tweetSortKey,
  userPartitionKey,
} from '../../lambda/contract/table-layout.js';
import { createEventTable as createTable, listenDynalite } from './dynalite.js';

export interface RecordingClient extends DynamoDBClient {
  /** Names of the commands sent, in order (QueryCommand, …). */
  sent: string[];
}

export interface TableFixture {
  endpoint: string;
  client: RecordingClient;
  documents: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export function makeClient(endpoint: string): RecordingClient {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  }) as RecordingClient;
  client.sent = [];
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as { send: unknown }).send = (command: { constructor: { name: string } }) => {
    client.sent.push(command.constructor.name);
    return send(command);
  };
  return client;
}

export async function startTableFixture(): Promise<TableFixture> {
  const server = await listenDynalite();
  const endpoint = server.endpoint;
  const client = makeClient(endpoint);
  const writer = makeClient(endpoint);
  return {
    endpoint,
    client,
    documents: DynamoDBDocumentClient.from(writer, { marshallOptions: { removeUndefinedValues: true } }),
    async close() {
      client.destroy();
      writer.destroy();
      await server.close();
    },
  };
}

let tables = 0;

/** A fresh table with the contract's key schema and ByTime index (projection ALL). */
export function createEventTable(fixture: TableFixture): Promise<string> {
  return createTable(fixture.client, `browse-${process.pid}-${++tables}-EventData`);
}

export async function putItems(fixture: TableFixture, table: string, items: object[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const chunk = items.slice(i, i + 25);
    await fixture.documents.send(
      new BatchWriteCommand({ RequestItems: { [table]: chunk.map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
}

let tweetCounter = 0;

export interface TweetItemOptions {
  arrivedMs: number;
  id?: string;
  username?: string;
  text?: string;
  lang?: string | null;
  hashtags?: string[];
}

/** A tweet item as the processor writes it. */
export function tweetItem(options: TweetItemOptions): TweetItem {
  tweetCounter++;
  const id = options.id ?? String(1_850_000_000_000_000_000n + BigInt(tweetCounter));
  const username = options.username ?? `user_${tweetCounter % 7}`;
  const arrivedAt = new Date(options.arrivedMs).toISOString();
  return {
    pk: userPartitionKey(username),
    sk: tweetSortKey(id),
    ...timeIndexKeyOf('tweet', options.arrivedMs, id),
    kind: 'tweet',
    v: 1,
    tweetId: id,
    text: options.text ?? `tweet number ${tweetCounter} about #serverless`,
    createdAt: new Date(options.arrivedMs - 1000).toISOString(),
    arrivedAt,
    processedAt: new Date(options.arrivedMs + 200).toISOString(),
    authorId: String(1000 + (tweetCounter % 7)),
    username,
    name: `User ${username}`,
    lang: options.lang === undefined ? 'en' : options.lang,
    hashtags: options.hashtags ?? ['serverless'],
    mentions: [],
    source: 'synthetic',
    seq: String(49_590_000_000_000_000_000n + BigInt(tweetCounter)),
    shardId: 'shardId-000000000000',
    expiresAt: expiryOf(options.arrivedMs, 30),
  };
}

let sequence = 0n;

/** A rejected (malformed) record's item as the processor writes it. */
export function rejectedItem(options: {
  arrivedMs: number;
  reason?: string;
  raw?: string;
  shardId?: string;
}): RejectedItem {
  sequence++;
  const seq = (49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_800n + sequence).toString();
  const shardId = options.shardId ?? 'shardId-000000000001';
  const raw = options.raw ?? '{"v":1,"id":"oops"';
  return {
    pk: rejectedPartitionKey(shardId),
    sk: rejectedSortKey(seq),
    ...timeIndexKeyOf('rejected', options.arrivedMs, `${shardId}:${seq}`),
    kind: 'rejected',
    reason: options.reason ?? 'record is not JSON: Unexpected end of JSON input',
    raw,
    rawBytes: Buffer.byteLength(raw),
    rawTruncated: false,
    partitionKey: '1234',
    arrivedAt: new Date(options.arrivedMs).toISOString(),
    processedAt: new Date(options.arrivedMs + 200).toISOString(),
    seq,
    shardId,
    expiresAt: expiryOf(options.arrivedMs, 30),
  };
}

/** `count` tweets arriving `stepMs` apart, the last at `lastMs`, oldest first. */
export function tweetsEndingAt(lastMs: number, count: number, stepMs: number): TweetItem[] {
  return Array.from({ length: count }, (_, i) => tweetItem({ arrivedMs: lastMs - (count - 1 - i) * stepMs }));
}
