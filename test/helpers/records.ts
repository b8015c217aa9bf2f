/**
 * Factories for what flows through the pipeline, each built from the one before as the code builds
 * it: tweet events (the record contract), Kinesis records and events as Lambda receives them, table
 * items as the processor writes them (with the contract's own key helpers), and a source over
 * fixed items. Ids and sequence numbers are unique per call unless given.
 */
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
import { encodeTweetEvent, TWEET_EVENT_VERSION, type TweetEvent } from '../../lambda/contract/tweet-event.js';
import type { KinesisStreamEvent, KinesisStreamRecord, LambdaContext } from '../../lambda/processor/types.js';
import type { IngestSource, SourceItem } from '../../src/ingest/sources/source.js';

export const SHARD_ID = 'shardId-000000000000';
/** 2026-11-25T20:15:30.250Z, epoch seconds as Kinesis reports it. */
export const ARRIVAL_SECONDS = 1_795_637_730.25;

let tweetCounter = 0;
let sequenceCounter = 0n;
const SEQUENCE_BASE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_800n;

export function nextSequenceNumber(): string {
  sequenceCounter += 1n;
  return (SEQUENCE_BASE + sequenceCounter).toString();
}

/** A valid event of the record contract. */
export function tweetEvent(overrides: Partial<TweetEvent> = {}): TweetEvent {
  tweetCounter++;
  return {
    v: TWEET_EVENT_VERSION,
    id: String(1_850_000_000_000_000_000n + BigInt(tweetCounter)),
    text: `Stream processing test tweet number ${tweetCounter} #serverless`,
    createdAt: '2026-11-25T20:15:29.000Z',
    lang: 'en',
    author: { id: String(1000 + (tweetCounter % 50)), username: `user_${tweetCounter % 50}`, name: 'Test User' },
    hashtags: ['serverless'],
    mentions: [],
    source: 'synthetic',
    ...overrides,
  };
}

export interface RecordOptions {
  sequenceNumber?: string;
  shardId?: string;
  partitionKey?: string;
  arrivalSeconds?: number;
}

/** A record carrying raw bytes, or a literal `data` string when given one (to test bad base64). */
export function kinesisRecord(
  payload: Uint8Array | { data: string },
  options: RecordOptions = {},
): KinesisStreamRecord {
  const sequenceNumber = options.sequenceNumber ?? nextSequenceNumber();
  const shardId = options.shardId ?? SHARD_ID;
  const data = payload instanceof Uint8Array ? Buffer.from(payload).toString('base64') : payload.data;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: options.partitionKey ?? 'pk-1',
      sequenceNumber,
      data,
      approximateArrivalTimestamp: options.arrivalSeconds ?? ARRIVAL_SECONDS,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/processor',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test-EventStream',
  };
}

/** An event as ingest puts it: encoded, partitioned by author. */
export function tweetRecord(event: TweetEvent = tweetEvent(), options: RecordOptions = {}): KinesisStreamRecord {
  return kinesisRecord(encodeTweetEvent(event), { partitionKey: event.author.id, ...options });
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

export function lambdaContext(remainingMs = 60_000): LambdaContext {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: 'test-request' };
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export interface TweetItemOptions {
  arrivedMs: number;
  id?: string;
  username?: string;
  text?: string;
  lang?: string | null;
  hashtags?: string[];
}

/** A tweet item as the processor writes it, from a fresh event that arrived at `arrivedMs`. */
export function tweetItem(options: TweetItemOptions): TweetItem {
  const event = tweetEvent({ createdAt: new Date(options.arrivedMs - 1000).toISOString() });
  const id = options.id ?? event.id;
  // Seven users, so that per-user reads find several tweets each.
  const username = options.username ?? `user_${tweetCounter % 7}`;
  return {
    pk: userPartitionKey(username),
    sk: tweetSortKey(id),
    ...timeIndexKeyOf('tweet', options.arrivedMs, id),
    kind: 'tweet',
    v: event.v,
    tweetId: id,
    text: options.text ?? `tweet number ${tweetCounter} about #serverless`,
    createdAt: event.createdAt,
    arrivedAt: new Date(options.arrivedMs).toISOString(),
    processedAt: new Date(options.arrivedMs + 200).toISOString(),
    authorId: String(1000 + (tweetCounter % 7)),
    username,
    name: `User ${username}`,
    lang: options.lang === undefined ? event.lang : options.lang,
    hashtags: options.hashtags ?? event.hashtags,
    mentions: event.mentions,
    source: event.source,
    seq: nextSequenceNumber(),
    shardId: SHARD_ID,
    expiresAt: expiryOf(options.arrivedMs, 30),
  };
}

/** A rejected (malformed) record's item as the processor writes it. */
export function rejectedItem(options: {
  arrivedMs: number;
  reason?: string;
  raw?: string;
  shardId?: string;
}): RejectedItem {
  const seq = nextSequenceNumber();
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

/** A source over fixed items (events and bad inputs). */
export function listSource(items: SourceItem[]): IngestSource {
  return {
    name: 'synthetic',
    async *items(signal) {
      for (const item of items) {
        if (signal.aborted) return;
        yield item;
      }
    },
  };
}
