/**
 * Reliability 3 — poison: 1 % malformed records (invalid UTF-8, not JSON, the wrong shape,
 * oversized) mixed into a stream of good tweets. Every good record must be stored, every bad one
 * kept as a rejected item naming its sequence number and the reason, and the mapping must never
 * stall: no function errors, nothing sent to the failure destination, lag back to 0 with every
 * shard checkpointed at its last record.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourBucketOf, TIME_INDEX_NAME, timeIndexPartitions } from '../../lambda/contract/table-layout.js';
import { encodeTweetEvent, partitionKeyOf, type TweetEvent } from '../../lambda/contract/tweet-event.js';
import { syntheticTweets } from '../../src/ingest/sources/synthetic.js';
import { duplicates, Rig, report, scanTable, shardEnds, sum } from '../helpers/reliability.js';

const RECORDS = 20_000;
/** One record in a hundred is malformed. */
const POISON_EVERY = 100;
const PUT_BATCH = 500;

type BadKind = 'invalid-utf8' | 'not-json' | 'wrong-shape' | 'oversized';
const KINDS: BadKind[] = ['invalid-utf8', 'not-json', 'wrong-shape', 'oversized'];
const EXPECTED_REASON: Record<BadKind, RegExp> = {
  'invalid-utf8': /^record is not valid UTF-8$/,
  'not-json': /^record is not JSON: /,
  'wrong-shape': /^author must be an object$/,
  oversized: /^record is \d+ bytes, over the 65536-byte limit$/,
};

/** A malformed record of the given kind, made from a good event so it looks plausible. */
function malformed(kind: BadKind, event: TweetEvent): Uint8Array {
  const good = Buffer.from(encodeTweetEvent(event));
  switch (kind) {
    case 'invalid-utf8':
      // A JSON document with a lone continuation byte and an overlong encoding in it.
      return Buffer.concat([good.subarray(0, 20), Buffer.from([0x80, 0xc0, 0xaf]), good.subarray(20)]);
    case 'not-json':
      return Buffer.from(`${good.toString('utf8').slice(0, -5)} <truncated>`);
    case 'wrong-shape': {
      const { author: _author, ...rest } = event;
      return Buffer.from(JSON.stringify(rest));
    }
    case 'oversized':
      return Buffer.from(JSON.stringify({ ...event, text: `${event.text} ${'🚀'.repeat(17_500)}` }));
  }
}

let rig: Rig;

beforeAll(async () => {
  rig = await Rig.create('poison');
});
afterAll(async () => {
  await rig.cleanup();
});

describe('reliability: poison records', () => {
  it('stores every good record, rejects every bad one with its reason, and never stalls', async () => {
    // Prepare
    await rig.deploy(['--shards', '2']);
    const kinesis = await rig.kinesis();
    const entries: { data: Uint8Array; partitionKey: string; bad?: BadKind; id: string }[] = [];
    let badCount = 0;
    for (const [index, event] of [
      ...syntheticTweets({ seed: 3, count: RECORDS, startTime: Date.now() - 86_400_000 }),
    ].entries()) {
      if (index % POISON_EVERY === POISON_EVERY / 2) {
        const kind = KINDS[badCount % KINDS.length] as BadKind;
        badCount += 1;
        entries.push({ data: malformed(kind, event), partitionKey: `poison-${index}`, bad: kind, id: event.id });
      } else entries.push({ data: encodeTweetEvent(event), partitionKey: partitionKeyOf(event), id: event.id });
    }

    // Act
    const started = Date.now();
    const sampler = rig.sampleMapping();
    const badSequences = new Map<string, BadKind>();
    for (let offset = 0; offset < entries.length; offset += PUT_BATCH) {
      const batch = entries.slice(offset, offset + PUT_BATCH);
      const result = await kinesis.send(
        new PutRecordsCommand({
          StreamName: rig.streamName,
          Records: batch.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })),
        }),
      );
      expect(result.FailedRecordCount).toBe(0);
      result.Records?.forEach((r, i) => {
        const bad = batch[i]?.bad;
        if (bad) badSequences.set(r.SequenceNumber ?? '', bad);
      });
    }
    const mapping = await rig.waitForIdle(180_000);
    const seconds = (Date.now() - started) / 1000;
    const sampled = await sampler.stop();

    // Assess
    const dynamodb = await rig.dynamodb();
    const table = await scanTable(dynamodb, rig.tableName);
    const { QueryCommand } = await import('@aws-sdk/client-dynamodb');
    let rejectedInIndex = 0;
    for (const bucket of new Set([hourBucketOf(started), hourBucketOf(Date.now())])) {
      for (const partition of timeIndexPartitions('rejected', bucket)) {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: rig.tableName,
            IndexName: TIME_INDEX_NAME,
            KeyConditionExpression: 'tpk = :p',
            ExpressionAttributeValues: { ':p': { S: partition } },
            Select: 'COUNT',
          }),
        );
        rejectedInIndex += page.Count ?? 0;
      }
    }
    dynamodb.destroy();
    const ends = await shardEnds(kinesis, rig.streamName);
    kinesis.destroy();
    const goodIds = entries.filter((e) => !e.bad).map((e) => e.id);
    const byKind = Object.fromEntries(
      KINDS.map((kind) => [kind, table.rejected.filter((r) => badSequences.get(r.seq) === kind).length]),
    );
    const figures = {
      records: RECORDS,
      good: goodIds.length,
      bad: badSequences.size,
      stored: table.tweetIds.length,
      rejected: table.rejected.length,
      rejectedInTimeIndex: rejectedInIndex,
      rejectedByKind: byKind,
      functionErrors: sum(mapping.shards, (s) => s.functionErrors),
      partialBatchFailures: sum(mapping.shards, (s) => s.partialFailures),
      sentToFailureDestination: sum(mapping.shards, (s) => s.sentToFailureDestination),
      maxLagMs: sampled.maxLagMs,
      longestStallMs: sampled.longestStallMs,
      finalLagMs: Math.max(...mapping.shards.map((s) => s.lagMs)),
      seconds,
    };
    report(
      'poison',
      figures,
      `${figures.stored}/${figures.good} good records stored, ${figures.rejected}/${figures.bad} bad ones rejected with ` +
        `their reason (${KINDS.map((k) => `${byKind[k]} ${k}`).join(', ')}; ${rejectedInIndex} in the ByTime index) ` +
        `in ${seconds.toFixed(1)} s; ${figures.functionErrors} function errors, ${figures.sentToFailureDestination} ` +
        `batches to the failure file; lag at most ${sampled.maxLagMs} ms (checkpoints never still for more than ` +
        `${sampled.longestStallMs} ms while behind), final lag ${figures.finalLagMs} ms, every shard checkpointed at its end`,
    );
    expect(badSequences.size).toBe(RECORDS / POISON_EVERY);
    expect(table.tweetIds).toHaveLength(goodIds.length);
    expect(duplicates(table.tweetIds)).toBe(0);
    expect(new Set(table.tweetIds)).toEqual(new Set(goodIds));
    expect(table.rejected).toHaveLength(badSequences.size);
    expect(new Set(table.rejected.map((r) => r.seq))).toEqual(new Set(badSequences.keys()));
    for (const item of table.rejected) {
      const kind = badSequences.get(item.seq) as BadKind;
      expect(item.reason, `${kind} record ${item.seq}`).toMatch(EXPECTED_REASON[kind]);
    }
    expect(rejectedInIndex).toBe(badSequences.size);
    expect(figures.functionErrors).toBe(0);
    expect(figures.sentToFailureDestination).toBe(0);
    expect(figures.finalLagMs).toBe(0);
    expect(sampled.longestStallMs).toBeLessThan(5_000);
    for (const shard of mapping.shards) expect(shard.checkpoint).toBe(ends[shard.shardId]?.last);
  });
});
