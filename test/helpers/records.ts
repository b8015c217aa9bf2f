/**
 * Factories for what flows through the pipeline, each built from the one before as the code builds
 * it: tweet events (the record contract), Kinesis records and events as Lambda receives them, table
 * items as the processor writes them (by its own buildItem), and a source over fixed items. Ids and
 * sequence numbers are unique per call unless given.
 */
import type { EventItem, RejectedItem, TweetItem } from '../../lambda/contract/table-layout.js';
import { encodeTweetEvent, TWEET_EVENT_VERSION, type TweetEvent } from '../../lambda/contract/tweet-event.js';
import { buildItem } from '../../lambda/processor/items.js';
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

/** What the processor writes for `record`, which arrived at `arrivedMs` and was processed 200 ms later. */
function processed(record: KinesisStreamRecord, arrivedMs: number): EventItem {
  const processedMs = arrivedMs + 200;
  return buildItem(record, { nowMs: processedMs, processedAt: new Date(processedMs).toISOString(), retentionDays: 30 });
}

/** A tweet item, built by the processor's own buildItem from a fresh event that arrived at `arrivedMs`. */
export function tweetItem(options: TweetItemOptions): TweetItem {
  const base = tweetEvent({ createdAt: new Date(options.arrivedMs - 1000).toISOString() });
  // Seven users, so that per-user reads find several tweets each.
  const username = options.username ?? `user_${tweetCounter % 7}`;
  const event: TweetEvent = {
    ...base,
    id: options.id ?? base.id,
    text: options.text ?? base.text,
    lang: options.lang === undefined ? base.lang : options.lang,
    hashtags: options.hashtags ?? base.hashtags,
    author: { id: String(1000 + (tweetCounter % 7)), username, name: `User ${username}` },
  };
  const item = processed(tweetRecord(event, { arrivalSeconds: options.arrivedMs / 1000 }), options.arrivedMs);
  if (item.kind !== 'tweet') throw new Error(`tweetItem: the processor rejected the event: ${item.reason}`);
  return item;
}

/**
 * A rejected record's item, built by the processor from `raw` (by default JSON cut short), with
 * `reason` in place of the processor's own when given.
 */
export function rejectedItem(options: {
  arrivedMs: number;
  reason?: string;
  raw?: string;
  shardId?: string;
}): RejectedItem {
  const record = kinesisRecord(utf8(options.raw ?? '{"v":1,"id":"oops"'), {
    shardId: options.shardId ?? 'shardId-000000000001',
    partitionKey: '1234',
    arrivalSeconds: options.arrivedMs / 1000,
  });
  const item = processed(record, options.arrivedMs);
  if (item.kind !== 'rejected') throw new Error('rejectedItem: the processor accepted the raw payload');
  return options.reason === undefined ? item : { ...item, reason: options.reason };
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
