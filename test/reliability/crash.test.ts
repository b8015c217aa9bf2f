/**
 * Reliability 2 — crash: while a producer streams 50,000 tweets, the engine is killed with
 * SIGKILL three times and `streamproc deploy` (the built CLI) brings it back each time, on the
 * same ports, so the producer's retries land. The table must hold exactly 50,000 distinct tweets,
 * and each restarted engine must resume from the persisted checkpoints instead of replaying the
 * stream: across all four engine lifetimes the processor handles each record once, give or take
 * the batch in flight at each kill.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisProducer } from '../../src/ingest/producer.js';
import { syntheticTweets } from '../../src/ingest/sources/synthetic.js';
import { countItems, duplicates, Rig, report, scanTable, shardEnds, sum } from '../helpers/reliability.js';
import { sleep, waitUntil } from '../helpers/wait.js';

const RECORDS = 50_000;
const KILL_AFTER = [10_000, 22_000, 34_000];
const RATE = 2_500;
const SHARDS = 2;
const BATCH_SIZE = 200;

let rig: Rig;

beforeAll(async () => {
  rig = await Rig.create('crash');
});
afterAll(async () => {
  await rig.cleanup();
});

const checkpointsOnDisk = async (): Promise<Record<string, string>> => {
  const file = JSON.parse(await readFile(rig.checkpointFile, 'utf8')) as {
    shards: Record<string, { sequenceNumber?: string }>;
  };
  return Object.fromEntries(Object.entries(file.shards).map(([id, c]) => [id, c.sequenceNumber ?? '0']));
};

describe('reliability: crash', () => {
  it(`loses and duplicates nothing across ${KILL_AFTER.length} kill -9 of the engine during a ${RECORDS}-record run`, async () => {
    // Prepare
    // The stack is not configured (no init), so deploy saves no parameters: pass them every time.
    const parameters = ['--shards', String(SHARDS), '--batch-size', String(BATCH_SIZE)];
    const first = await rig.deploy(parameters);
    expect(first.status).toBe('created');
    const endpoints = first.details.endpoints;
    const client = await rig.kinesis();
    const givenUp: string[] = [];
    const producer = await KinesisProducer.create({
      client,
      streamName: rig.streamName,
      retryDeadlineMs: 120_000,
      backoffCapMs: 1_000,
      onGiveUp: (records, reason) => givenUp.push(`${records.length}: ${reason}`),
    });
    const started = Date.now();
    const producing = (async () => {
      let index = 0;
      for (const event of syntheticTweets({ seed: 2, count: RECORDS, startTime: Date.now() - 86_400_000 })) {
        const due = started + (index * 1000) / RATE;
        if (due - Date.now() > 5) await sleep(due - Date.now());
        await producer.put(event);
        index += 1;
      }
      await producer.flush();
    })();

    // Act: kill -9 and redeploy, three times, while records flow.
    const kills: {
      pid: number;
      atSent: number;
      processedBeforeKill: number;
      checkpointAtKill: Record<string, string>;
      resumedAt: Record<string, string>;
      restartSeconds: number;
    }[] = [];
    for (const threshold of KILL_AFTER) {
      await waitUntil(() => producer.stats().sent >= threshold, 120_000, `${threshold} records sent`);
      const before = await rig.status();
      const pid = before.state.pid;
      const [killed] = await rig.killEngines();
      expect(killed).toBe(pid);
      const checkpointAtKill = await checkpointsOnDisk();
      const restartStarted = Date.now();
      const back = await rig.deploy(parameters);
      const restartSeconds = (Date.now() - restartStarted) / 1000;
      expect(back.status).toBe('restarted');
      expect(back.details.endpoints).toEqual(endpoints);
      expect(back.details.engine.pid).not.toBe(pid);
      const after = await rig.status();
      kills.push({
        pid,
        atSent: producer.stats().sent,
        processedBeforeKill: sum(before.mapping.shards, (s) => s.records),
        checkpointAtKill,
        resumedAt: Object.fromEntries(after.mapping.shards.map((s) => [s.shardId, s.checkpoint ?? '0'])),
        restartSeconds,
      });
    }
    await producing;
    const ingestSeconds = (Date.now() - started) / 1000;
    const mapping = await rig.waitForIdle(180_000);
    const pipelineSeconds = (Date.now() - started) / 1000;

    // Assess
    const dynamodb = await rig.dynamodb();
    const table = await scanTable(dynamodb, rig.tableName);
    const counted = await countItems(dynamodb, rig.tableName);
    dynamodb.destroy();
    const ends = await shardEnds(client, rig.streamName);
    client.destroy();
    const batches = await rig.batchLines();
    const lifetimes = [...new Set(batches.map((b) => b.pid))].map((pid) => ({
      pid,
      processed: sum(
        batches.filter((b) => b.pid === pid),
        (b) => b.records,
      ),
    }));
    const recordsInStream = sum(Object.values(ends), (end) => end.count);
    const processed = sum(batches, (b) => b.records);
    const figures = {
      records: RECORDS,
      stored: table.tweetIds.length,
      distinct: new Set(table.tweetIds).size,
      countedByScan: counted,
      kills: kills.length,
      restartSeconds: kills.map((k) => k.restartSeconds),
      recordsInStream,
      streamDuplicatesFromProducerRetries: recordsInStream - RECORDS,
      processorRecords: processed,
      redeliveredByMapping: processed - recordsInStream,
      processedPerEngine: lifetimes.map((l) => l.processed),
      producerRetriedEntries: producer.stats().retried,
      producerFailedRequests: producer.stats().failedRequests,
      finalLagMs: Math.max(...mapping.shards.map((s) => s.lagMs)),
      ingestSeconds,
      pipelineSeconds,
    };
    report(
      'crash',
      figures,
      `${figures.distinct}/${RECORDS} distinct tweets after ${kills.length} kill -9 (deploy brought the engine back in ` +
        `${figures.restartSeconds.map((s) => s.toFixed(1)).join(', ')} s, same ports); processed per engine ` +
        `${figures.processedPerEngine.join(' + ')} = ${processed} for ${recordsInStream} records in the stream ` +
        `(${figures.redeliveredByMapping} redelivered); producer retried ${figures.producerRetriedEntries} entries ` +
        `(${figures.producerFailedRequests} failed requests); ${pipelineSeconds.toFixed(1)} s; final lag ${figures.finalLagMs} ms`,
    );
    expect(givenUp).toEqual([]);
    expect(producer.stats().sent).toBe(RECORDS);
    expect(table.tweetIds).toHaveLength(RECORDS);
    expect(duplicates(table.tweetIds)).toBe(0);
    expect(counted).toBe(RECORDS);
    expect(table.rejected).toEqual([]);
    // Resumed, not replayed: every kill happened after real progress; each new engine started
    // at (or past) the checkpoint on disk, and all engines together handled each record about once.
    expect(lifetimes).toHaveLength(KILL_AFTER.length + 1);
    for (const kill of kills) {
      expect(kill.processedBeforeKill).toBeGreaterThan(0);
      for (const [shardId, sequence] of Object.entries(kill.checkpointAtKill)) {
        expect(BigInt(kill.resumedAt[shardId] ?? '0')).toBeGreaterThanOrEqual(BigInt(sequence));
        expect(BigInt(sequence)).toBeGreaterThan(0n);
      }
    }
    // (No lower bound: a kill can swallow the last log lines of a batch; the table count above
    // is what proves nothing was lost.)
    expect(processed - recordsInStream).toBeLessThanOrEqual(KILL_AFTER.length * SHARDS * BATCH_SIZE);
    expect(figures.finalLagMs).toBe(0);
    for (const shard of mapping.shards) expect(shard.checkpoint).toBe(ends[shard.shardId]?.last);
  });
});
