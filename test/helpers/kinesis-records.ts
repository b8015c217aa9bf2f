/** Factories for tweet events, Kinesis records and events, and a Lambda context. */
import { encodeTweetEvent, type TweetEvent } from '../../lambda/contract/tweet-event.js';
import type { KinesisStreamEvent, KinesisStreamRecord, LambdaContext } from '../../lambda/processor/types.js';

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

export function tweetEvent(overrides: Partial<TweetEvent> = {}): TweetEvent {
  tweetCounter++;
  return {
    v: 1,
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
