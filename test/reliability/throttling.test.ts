/**
 * Reliability 1 — throttling: 100,000 synthetic tweets through fault-injecting proxies that fail
 * 10 % of PutRecords entries (between the producer and Kinesis) and return 5 % of BatchWriteItem
 * items as UnprocessedItems (between the processor and DynamoDB). The producer and the processor
 * retry what failed; the table must hold exactly 100,000 distinct tweets and nothing rejected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisProducer } from '../../src/ingest/producer.js';
import { syntheticTweets } from '../../src/ingest/sources/synthetic.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { countItems, duplicates, Rig, report, scanTable, shardEnds, sum } from '../helpers/reliability.js';

const RECORDS = 100_000;
const PUT_FAILURE_RATE = 0.1;
const WRITE_FAILURE_RATE = 0.05;

let rig: Rig;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  rig = await Rig.create('throttle');
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await rig.cleanup();
});

describe('reliability: throttling', () => {
  it(`stores exactly ${RECORDS} distinct tweets despite ${PUT_FAILURE_RATE * 100} % failed puts and ${WRITE_FAILURE_RATE * 100} % unprocessed writes`, async () => {
    // Prepare: deploy once to learn the emulators' ports, put proxies in front of them, and
    // restart the engine (on the same ports) with the processor's DynamoDB traffic routed through one.
    const parameters = ['--shards', '2', '--batch-size', '500'];
    const first = await rig.deploy(parameters);
    await rig.teardown(true);
    const dynamoProxy = await startFaultProxy({
      target: first.details.endpoints.dynamodb,
      seed: 5,
      entryFailureRate: WRITE_FAILURE_RATE,
    });
    proxies.push(dynamoProxy);
    const kinesisProxy = await startFaultProxy({
      target: first.details.endpoints.kinesis,
      seed: 10,
      entryFailureRate: PUT_FAILURE_RATE,
    });
    proxies.push(kinesisProxy);
    const functionEnv = { DYNAMODB_ENDPOINT: dynamoProxy.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint };
    const second = await rig.deploy(parameters, { STREAMPROC_ENGINE_FUNCTION_ENV: JSON.stringify(functionEnv) });
    expect(second.status).toBe('restarted');
    expect(second.details.endpoints).toEqual(first.details.endpoints);

    // Act: produce through the Kinesis proxy.
    const started = Date.now();
    const sampler = rig.sampleMapping();
    const client = await rig.kinesis(kinesisProxy.endpoint);
    const givenUp: string[] = [];
    const producer = await KinesisProducer.create({
      client,
      streamName: rig.streamName,
      concurrency: 4,
      retryDeadlineMs: 120_000,
      onGiveUp: (records, reason) => givenUp.push(`${records.length}: ${reason}`),
    });
    for (const event of syntheticTweets({ seed: 8, count: RECORDS, startTime: Date.now() - 86_400_000 }))
      await producer.put(event);
    await producer.flush();
    const ingestSeconds = (Date.now() - started) / 1000;
    const produced = producer.stats();
    const mapping = await rig.waitForIdle(300_000);
    const pipelineSeconds = (Date.now() - started) / 1000;
    const sampled = await sampler.stop();

    // Assess
    const dynamodb = await rig.dynamodb();
    const table = await scanTable(dynamodb, rig.tableName);
    const counted = await countItems(dynamodb, rig.tableName);
    const ends = await shardEnds(client, rig.streamName);
    dynamodb.destroy();
    client.destroy();
    const batches = await rig.batchLines();
    const figures = {
      records: RECORDS,
      stored: table.tweetIds.length,
      distinct: new Set(table.tweetIds).size,
      countedByScan: counted,
      rejected: table.rejected.length,
      producerSent: produced.sent,
      producerRetriedEntries: produced.retried,
      producerGivenUp: produced.givenUp,
      putEntriesFailedByProxy: kinesisProxy.stats.failedEntries,
      recordsInStream: sum(Object.values(ends), (end) => end.count),
      writeItemsUnprocessedByProxy: dynamoProxy.stats.failedEntries,
      processorInvocations: batches.length,
      processorRecords: sum(batches, (b) => b.records),
      processorWriteRetries: sum(batches, (b) => b.retries),
      processorFailedRecords: sum(batches, (b) => b.failed),
      partialBatchFailures: sum(mapping.shards, (s) => s.partialFailures),
      functionErrors: sum(mapping.shards, (s) => s.functionErrors),
      maxLagMs: sampled.maxLagMs,
      longestStallMs: sampled.longestStallMs,
      finalLagMs: Math.max(...mapping.shards.map((s) => s.lagMs)),
      ingestSeconds,
      pipelineSeconds,
      recordsPerSecond: Math.round(RECORDS / pipelineSeconds),
      scanSeconds: table.scanMs / 1000,
    };
    report(
      'throttling',
      figures,
      `${figures.distinct}/${RECORDS} distinct tweets stored in ${pipelineSeconds.toFixed(1)} s ` +
        `(${figures.recordsPerSecond}/s); proxy failed ${figures.putEntriesFailedByProxy} put entries ` +
        `(producer retried ${figures.producerRetriedEntries}, gave up ${figures.producerGivenUp}) and ` +
        `${figures.writeItemsUnprocessedByProxy} write items (processor retried ${figures.processorWriteRetries} ` +
        `requests, ${figures.partialBatchFailures} partial batch failures); lag at most ${sampled.maxLagMs} ms, ` +
        `final ${figures.finalLagMs} ms`,
    );
    expect(givenUp).toEqual([]);
    expect(produced.sent).toBe(RECORDS);
    expect(kinesisProxy.stats.failedEntries).toBeGreaterThan(RECORDS * PUT_FAILURE_RATE * 0.9);
    expect(dynamoProxy.stats.failedEntries).toBeGreaterThan(RECORDS * WRITE_FAILURE_RATE * 0.9);
    expect(figures.recordsInStream).toBe(RECORDS);
    expect(table.tweetIds).toHaveLength(RECORDS);
    expect(duplicates(table.tweetIds)).toBe(0);
    expect(counted).toBe(RECORDS);
    expect(table.rejected).toEqual([]);
    expect(figures.finalLagMs).toBe(0);
    for (const shard of mapping.shards) expect(shard.checkpoint).toBe(ends[shard.shardId]?.last);
  });
});
