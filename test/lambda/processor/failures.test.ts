import {
  type BatchWriteItemCommandOutput,
  ProvisionedThroughputExceededException,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TweetEvent } from '../../../lambda/contract/tweet-event.js';
import type { BatchWriteRequest } from '../../../lambda/processor/dynamodb-client.js';
import { createHandler, type ProcessorOptions } from '../../../lambda/processor/handler.js';
import type { KinesisStreamRecord } from '../../../lambda/processor/types.js';
import type { BatchWriteClient } from '../../../lambda/processor/writer.js';
import { createEventTable, type DynaliteHandle, scanAll, startDynalite } from '../../helpers/dynalite.js';
import { kinesisEvent, lambdaContext, tweetEvent, tweetRecord } from '../../helpers/records.js';

const DYNAMODB_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** What the double does with one request: pass it on, hold some items back, or throw. */
type Fault = (requests: WriteRequest[], call: number) => { hold?: (request: WriteRequest) => boolean; error?: Error };

/** Wraps the real client: records every request and injects faults the emulator never produces. */
function faultyClient(real: BatchWriteClient, fault: Fault) {
  const seen = { calls: 0, itemsPerRequest: [] as number[], bytesPerRequest: [] as number[] };
  const client: BatchWriteClient = {
    async send(command: BatchWriteRequest) {
      const call = ++seen.calls;
      const [table, requests] = Object.entries(command.input.RequestItems ?? {})[0] as [string, WriteRequest[]];
      seen.itemsPerRequest.push(requests.length);
      seen.bytesPerRequest.push(Buffer.byteLength(JSON.stringify(command.input)));
      const { hold, error } = fault(requests, call);
      if (error) throw error;
      const held = hold ? requests.filter(hold) : [];
      const passed = requests.filter((request) => !held.includes(request));
      let output: BatchWriteItemCommandOutput = { $metadata: {}, UnprocessedItems: {} };
      if (passed.length > 0) output = await real.send(held.length ? withRequests(command, table, passed) : command);
      return held.length ? { ...output, UnprocessedItems: { [table]: held } } : output;
    },
  };
  return { client, seen };
}

function withRequests(command: BatchWriteRequest, table: string, requests: WriteRequest[]): BatchWriteRequest {
  return { input: { ...command.input, RequestItems: { [table]: requests } } };
}

const tweetIdOf = (request: WriteRequest) => request.PutRequest?.Item?.tweetId?.S ?? '';
/** Not a modelled DynamoDB exception, so the SDK builds it as a plain named error. */
const validationError = () =>
  Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
    name: 'ValidationException',
    $metadata: { httpStatusCode: 400 },
  });
const throttle = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });

describe('processor write failures and limits', () => {
  let db: DynaliteHandle;
  let table: string;
  let sleeps: number[];

  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    table = await createEventTable(db);
    sleeps = [];
  });

  const handlerWith = (client: BatchWriteClient, extra: Partial<ProcessorOptions> = {}) =>
    createHandler({
      client,
      tableName: table,
      log: () => {},
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });
  const storedTweetIds = async () =>
    new Set((await scanAll(db.documents, table)).map((item) => item.tweetId as string));
  const batch = (count: number, make: (index: number) => TweetEvent = () => tweetEvent()) => {
    const events = Array.from({ length: count }, (_, index) => make(index));
    return { events, records: events.map((event) => tweetRecord(event)) };
  };

  it('retries UnprocessedItems and throttling errors with backoff until everything is written', async () => {
    // Prepare: odd calls throttle outright, even calls leave a third of the items unprocessed, for 6 calls
    const { events, records } = batch(60);
    const { client, seen } = faultyClient(db.writer, (_requests, call) => {
      if (call > 6) return {};
      return call % 2 === 1 ? { error: throttle() } : { hold: (request) => BigInt(tweetIdOf(request)) % 3n === 0n };
    });
    // Act
    const response = await handlerWith(client, { concurrency: 1 })(kinesisEvent(records), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await storedTweetIds()).toEqual(new Set(events.map((event) => event.id)));
    expect(seen.calls).toBeGreaterThan(3);
    expect(sleeps.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(3_000);
  });

  it('reports exactly the records whose items stayed unwritten, and acknowledges only written ones', async () => {
    // Prepare: three tweets are never accepted
    const { events, records } = batch(80);
    const poisoned = new Set([events[3], events[41], events[77]].map((event) => (event as TweetEvent).id));
    const { client } = faultyClient(db.writer, () => ({ hold: (request) => poisoned.has(tweetIdOf(request)) }));
    // Act
    const response = await handlerWith(client, { maxAttempts: 4 })(kinesisEvent(records), lambdaContext());
    // Assess
    const failedSeqs = response.batchItemFailures.map((failure) => failure.itemIdentifier);
    expect(failedSeqs).toEqual([3, 41, 77].map((index) => records[index]?.kinesis.sequenceNumber));
    const stored = await storedTweetIds();
    events.forEach((event, index) => {
      const acknowledged = !failedSeqs.includes((records[index] as KinesisStreamRecord).kinesis.sequenceNumber);
      expect(stored.has(event.id)).toBe(acknowledged);
    });
  });

  it('fails every record of a request refused with a non-retryable error, without retrying it', async () => {
    // Prepare: the second 25-item request is refused
    const { records } = batch(60);
    const { client, seen } = faultyClient(db.writer, (_requests, call) =>
      call === 2 ? { error: validationError() } : {},
    );
    // Act
    const response = await handlerWith(client, { concurrency: 1 })(kinesisEvent(records), lambdaContext());
    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      records.slice(25, 50).map((record) => record.kinesis.sequenceNumber),
    );
    expect(seen.calls).toBe(3);
    expect((await storedTweetIds()).size).toBe(35);
  });

  it('throws when every record failed, so the batch shows as a function error', async () => {
    // Prepare
    const { records } = batch(30);
    const { client } = faultyClient(db.writer, () => ({ error: throttle() }));
    // Act
    const run = handlerWith(client, { maxAttempts: 3 })(kinesisEvent(records), lambdaContext());
    // Assess
    await expect(run).rejects.toThrow(/all 30 records failed.*ProvisionedThroughputExceededException/);
    expect((await storedTweetIds()).size).toBe(0);
  });

  it('stops retrying before the function timeout and reports what is left', async () => {
    // Prepare: a real clock and real sleeps; the table throttles forever; 1.5 s left in the invocation
    const { records } = batch(10);
    const { client } = faultyClient(db.writer, () => ({ error: throttle() }));
    const handler = createHandler({ client, tableName: table, log: () => {}, safetyMarginMs: 500, maxAttempts: 100 });
    const started = Date.now();
    // Act
    const run = handler(kinesisEvent(records), lambdaContext(1_500));
    // Assess
    await expect(run).rejects.toThrow(/all 10 records failed/);
    expect(Date.now() - started).toBeLessThan(1_100);
  });

  it('never sends more than 25 items or 16 MB in one request, even with 64 KiB tweets', async () => {
    // Prepare: tweets just under the record limit, half of them worst-case for JSON escaping
    const { events, records } = batch(60, (index) =>
      tweetEvent({ text: index % 2 ? 'x'.repeat(64_000) : '\u0001'.repeat(10_600) }),
    );
    const { client, seen } = faultyClient(db.writer, () => ({}));
    // Act
    const response = await handlerWith(client)(kinesisEvent(records), lambdaContext());
    // Assess: 25 items of at most ~64 KiB cannot approach 16 MB; DynamoDB's 400 KB item cap
    // (10 MB per 25 items) already makes it impossible, so there is no byte-based split.
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.itemsPerRequest).toEqual([25, 25, 10]);
    expect(Math.min(...seen.bytesPerRequest.slice(0, 2))).toBeGreaterThan(1_500_000);
    expect(Math.max(...seen.bytesPerRequest)).toBeLessThan(DYNAMODB_MAX_REQUEST_BYTES / 8);
    expect((await storedTweetIds()).size).toBe(events.length);
  });

  it('stores a 10,000-record batch, 25 items per request', async () => {
    // Prepare
    const { events, records } = batch(10_000);
    const { client, seen } = faultyClient(db.writer, () => ({}));
    // Act
    const response = await handlerWith(client, { concurrency: 16 })(kinesisEvent(records), lambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.calls).toBe(400);
    expect(Math.max(...seen.itemsPerRequest)).toBe(25);
    expect((await storedTweetIds()).size).toBe(events.length);
  }, 60_000);
});
