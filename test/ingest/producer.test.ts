import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTweetEvent, MAX_EVENT_BYTES } from '../../lambda/contract/tweet-event.js';
import { startIngest } from '../../src/ingest/ingest.js';
import { KinesisProducer, MAX_BATCH_BYTES, type PutRecordsClient } from '../../src/ingest/producer.js';
import { openFileReplay } from '../../src/ingest/sources/file-replay.js';
import { syntheticSource, syntheticTweets } from '../../src/ingest/sources/synthetic.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import {
  createStream,
  type KinesaliteHandle,
  kinesisClient,
  readStream,
  startKinesalite,
} from '../helpers/kinesalite.js';
import { listSource, tweetEvent } from '../helpers/records.js';

let kinesalite: KinesaliteHandle;
let client: KinesisClient;
let workDir: string;
let streamNo = 0;

async function newStream(shards = 2): Promise<string> {
  streamNo += 1;
  const name = `producer-test-${streamNo}`;
  await createStream(client, name, shards);
  return name;
}

/** Wraps the real client and records each PutRecords request's entry count and bytes. */
function recording(inner: PutRecordsClient) {
  const batches: { records: number; bytes: number }[] = [];
  const wrapped: PutRecordsClient = {
    send(command: PutRecordsCommand) {
      const records = command.input.Records ?? [];
      batches.push({
        records: records.length,
        bytes: records.reduce((n, r) => n + (r.Data?.byteLength ?? 0) + (r.PartitionKey?.length ?? 0), 0),
      });
      return inner.send(command);
    },
  };
  return { batches, client: wrapped };
}

beforeAll(async () => {
  kinesalite = await startKinesalite();
  client = await kinesisClient(kinesalite.endpoint);
  workDir = await mkdtemp(join(tmpdir(), 'streamproc-producer-'));
});

afterAll(async () => {
  client?.destroy();
  await kinesalite?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('KinesisProducer against kinesalite', () => {
  it('never puts more than 500 records in one request', async () => {
    // Prepare
    const stream = await newStream();
    const rec = recording(client as unknown as PutRecordsClient);
    const producer = await KinesisProducer.create({ client: rec.client, streamName: stream, lingerMs: 50 });
    // Act
    for (const event of syntheticTweets({ seed: 1, count: 1_234, startTime: 0 })) await producer.put(event);
    await producer.flush();
    // Assess
    expect(Math.max(...rec.batches.map((b) => b.records))).toBe(500);
    expect(rec.batches.reduce((n, b) => n + b.records, 0)).toBe(1_234);
    expect(producer.stats().sent).toBe(1_234);
  });

  it('keeps each request under 5 MiB, partition keys included', async () => {
    // Prepare: 60 KB events, so 500 of them would be ~30 MB
    const stream = await newStream();
    const rec = recording(client as unknown as PutRecordsClient);
    const producer = await KinesisProducer.create({ client: rec.client, streamName: stream, lingerMs: 20 });
    const big = 'x'.repeat(60_000);
    // Act
    for (let i = 0; i < 200; i += 1) await producer.put(tweetEvent({ text: big }));
    await producer.flush();
    // Assess
    expect(rec.batches.every((b) => b.bytes <= MAX_BATCH_BYTES)).toBe(true);
    expect(Math.max(...rec.batches.map((b) => b.bytes))).toBeGreaterThan(MAX_BATCH_BYTES - 61_000);
    expect(producer.stats().sent).toBe(200);
  });

  it('rejects an event over the contract size with a clear reason and does not send it', async () => {
    // Prepare
    const stream = await newStream();
    const reasons: string[] = [];
    const producer = await KinesisProducer.create({
      client: client as unknown as PutRecordsClient,
      streamName: stream,
      onRejected: (_id, _b, reason) => reasons.push(reason),
    });
    const huge = tweetEvent({ text: 'y'.repeat(MAX_EVENT_BYTES) });
    // Act
    const accepted = await producer.put(huge);
    await producer.put(tweetEvent());
    await producer.flush();
    // Assess
    expect(accepted).toBe(false);
    expect(reasons[0]).toMatch(
      new RegExp(`event ${huge.id} is \\d+ bytes .*over the ${MAX_EVENT_BYTES}-byte .*not sent`),
    );
    const stored = await readStream(client, stream);
    expect(stored.map((r) => JSON.parse(r.data).id)).not.toContain(huge.id);
    expect(stored).toHaveLength(1);
  });

  it('lingers before sending a partial batch, then sends it as one request', async () => {
    // Prepare
    const stream = await newStream();
    const rec = recording(client as unknown as PutRecordsClient);
    const producer = await KinesisProducer.create({ client: rec.client, streamName: stream, lingerMs: 300 });
    // Act
    for (let i = 0; i < 3; i += 1) await producer.put(tweetEvent());
    await new Promise((r) => setTimeout(r, 100));
    const before = rec.batches.length;
    await new Promise((r) => setTimeout(r, 400));
    // Assess
    expect(before).toBe(0);
    expect(rec.batches).toEqual([expect.objectContaining({ records: 3 })]);
    expect(producer.stats().sent).toBe(3);
  });

  it('stops taking records while too many are unacknowledged (backpressure), then drains', async () => {
    // Prepare: a client that holds every request until released
    const stream = await newStream();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const held: PutRecordsClient = {
      send: async (command) => {
        await gate;
        return client.send(command as never) as never;
      },
    };
    const producer = await KinesisProducer.create({
      client: held,
      streamName: stream,
      concurrency: 2,
      maxBatchRecords: 100,
      maxBufferedRecords: 300,
      lingerMs: 5,
    });
    let accepted = 0;
    // Act
    const feeding = (async () => {
      for (const event of syntheticTweets({ seed: 2, count: 1_000, startTime: 0 })) {
        await producer.put(event);
        accepted += 1;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const whileBlocked = accepted;
    release();
    await feeding;
    await producer.flush();
    // Assess
    expect(whileBlocked).toBe(300);
    expect(producer.stats().sent).toBe(1_000);
  });

  it('keeps UTF-8 intact: emoji, Japanese, Arabic, ZWJ sequences round-trip through the stream', async () => {
    // Prepare
    const stream = await newStream();
    const events = [
      tweetEvent({ text: '👩‍💻 shipping on a Friday 🇯🇵🔥', lang: 'en' }),
      tweetEvent({ text: 'ストリーム処理を試しています☁️', lang: 'ja' }),
      tweetEvent({ text: 'أجرب البيانات في الوقت الحقيقي 🌙', lang: 'ar' }),
      tweetEvent({ text: '¡Qué maravilla! ñandú — “quotes” \u2028 line sep', lang: 'es' }),
    ];
    const producer = await KinesisProducer.create({
      client: client as unknown as PutRecordsClient,
      streamName: stream,
    });
    // Act
    for (const event of events) await producer.put(event);
    await producer.flush();
    // Assess
    const stored = await readStream(client, stream);
    const decoded = stored.map((r) => decodeTweetEvent(new TextEncoder().encode(r.data)));
    expect(
      decoded
        .map((d) => (d.ok ? d.event : d.reason))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([...events].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    expect(stored.find((r) => r.data.includes('ストリーム'))?.partitionKey).toBe(events[1]?.author.id);
  });
});

describe('retries through the fault proxy', () => {
  let proxy: FaultProxy;
  let proxiedClient: KinesisClient;

  beforeAll(async () => {
    proxy = await startFaultProxy({
      target: kinesalite.endpoint,
      seed: 7,
      entryFailureRate: 0.1,
      requestFailureRate: 0.1,
    });
    proxiedClient = await kinesisClient(proxy.endpoint);
  });
  afterAll(async () => {
    proxiedClient?.destroy();
    await proxy?.close();
  });

  it('delivers every record exactly once despite 10 % failed entries and failed requests', async () => {
    // Prepare
    const stream = await newStream(4);
    const events = [...syntheticTweets({ seed: 42, count: 3_000, startTime: 0 })];
    // Act
    const run = await startIngest({
      source: listSource(events.map((event) => ({ kind: 'event', event }))),
      client: proxiedClient as unknown as PutRecordsClient,
      streamName: stream,
      givenUpFile: join(workDir, 'never.ndjson'),
      signal: new AbortController().signal,
      lingerMs: 20,
      backoffBaseMs: 10,
      backoffCapMs: 200,
    });
    const summary = await run.done;
    // Assess
    expect(proxy.stats.failedEntries).toBeGreaterThan(100);
    expect(proxy.stats.failedRequests).toBeGreaterThan(0);
    expect(summary).toMatchObject({ sent: 3_000, failed: 0, givenUp: 0, givenUpFile: null });
    expect(summary.retried).toBeGreaterThanOrEqual(proxy.stats.failedEntries);
    const ids = (await readStream(client, stream)).map((r) => JSON.parse(r.data).id as string);
    expect(ids).toHaveLength(3_000);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
  });

  it('gives up after the deadline and writes the records to a file that --file replays', async () => {
    // Prepare: every request fails
    const stream = await newStream();
    proxy.configure({ requestFailureRate: 1 });
    const file = join(workDir, 'given-up.ndjson');
    const events = [...syntheticTweets({ seed: 3, count: 25, startTime: 0 })];
    const warnings: string[] = [];
    // Act
    const run = await startIngest({
      source: syntheticSource({ seed: 3, count: 25, startTime: 0 }),
      client: proxiedClient as unknown as PutRecordsClient,
      streamName: stream,
      givenUpFile: file,
      signal: new AbortController().signal,
      lingerMs: 10,
      retryDeadlineMs: 400,
      backoffBaseMs: 20,
      backoffCapMs: 100,
      onWarning: (m) => warnings.push(m),
    });
    const summary = await run.done;
    proxy.configure({ requestFailureRate: 0.1 });
    // Assess
    expect(summary).toMatchObject({ sent: 0, givenUp: 25, failed: 25, givenUpFile: file });
    // One warning per batch given up; how the 25 records were batched depends on timing (linger).
    for (const warning of warnings) expect(warning).toMatch(/^gave up on \d+ record\(s\) \(still failing after 0 s/);
    const reported = warnings.map((w) => Number(/gave up on (\d+)/.exec(w)?.[1]));
    expect(reported.reduce((a, b) => a + b, 0)).toBe(25);
    const replay = await openFileReplay(file);
    const replayed: string[] = [];
    for await (const item of replay.items(new AbortController().signal))
      if (item.kind === 'event') replayed.push(item.event.id);
    expect(replayed).toEqual(events.map((e) => e.id));
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(25);
  });
});

describe('fatal errors', () => {
  it('reports a missing stream as a UserError and keeps the unsent records', async () => {
    // Prepare
    const file = join(workDir, 'missing-stream.ndjson');
    const run = await startIngest({
      source: syntheticSource({ seed: 9, count: 10, startTime: 0 }),
      client: client as unknown as PutRecordsClient,
      streamName: 'no-such-stream',
      givenUpFile: file,
      signal: new AbortController().signal,
      lingerMs: 5,
    });
    // Act
    const error = await run.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(error).toMatchObject({
      code: 'STREAM_NOT_FOUND',
      message: expect.stringMatching(/Stream no-such-stream does not exist\. 10 unsent record\(s\) were written to/),
    });
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(10);
  });
});
