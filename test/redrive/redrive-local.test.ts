/**
 * `streamproc redrive` end to end on the local engine, through the built CLI: a processor that
 * throws on marked records (test/redrive/handlers/failing-processor.ts, MaximumRetryAttempts=0)
 * sends their batches to mapping/failures.jsonl; the built-in processor is deployed again; redrive
 * puts the batches' records back. Every record ends in the table exactly once, the failure file
 * ends empty, a dry run changes nothing, an interrupted redrive (Ctrl-C, kill -9) run again loses
 * and repeats nothing beyond the one batch under way, a range the stream no longer holds is
 * reported, and --rejected re-sends the quarantined records stored whole.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTweetEvent, partitionKeyOf } from '../../lambda/contract/tweet-event.js';
import type { RedriveResult } from '../../src/redrive/redrive.js';
import { ROOT, runCli, startCli } from '../helpers/cli.js';
import { readShards } from '../helpers/kinesalite.js';
import { tweetEvent } from '../helpers/records.js';
import { duplicates, Rig, scanTable } from '../helpers/reliability.js';
import { waitUntil } from '../helpers/wait.js';

const FAILING = join(ROOT, 'test/redrive/handlers/failing-processor.ts');
const BATCH = 10;

let rig: Rig;
const expectedIds: string[] = [];

beforeAll(async () => {
  rig = await Rig.create('redrive');
});
afterAll(async () => {
  await rig.cleanup();
});

async function deployFailing(): Promise<void> {
  await rig.deploy([
    '--processor',
    FAILING,
    '--batch-size',
    String(BATCH),
    '-p',
    'MaximumRetryAttempts=0',
    '-p',
    'BisectBatchOnFunctionError=false',
  ]);
}

async function deployFixed(): Promise<void> {
  await rig.deploy(['--batch-size', String(BATCH), '-p', 'MaximumRetryAttempts=0']);
}

/** Puts `count` tweets, those whose index `marked` picks carrying REDRIVE-MARK, and expects their ids in the table. */
async function putTweets(count: number, marked: (i: number) => boolean): Promise<void> {
  const kinesis = await rig.kinesis();
  try {
    const events = Array.from({ length: count }, (_, i) =>
      tweetEvent(marked(i) ? { text: `REDRIVE-MARK record ${i} #serverless` } : {}),
    );
    for (let offset = 0; offset < events.length; offset += 500) {
      const chunk = events.slice(offset, offset + 500);
      const answer = await kinesis.send(
        new PutRecordsCommand({
          StreamName: rig.streamName,
          Records: chunk.map((e) => ({ Data: encodeTweetEvent(e), PartitionKey: partitionKeyOf(e) })),
        }),
      );
      expect(answer.FailedRecordCount).toBe(0);
    }
    expectedIds.push(...events.map((e) => e.id));
  } finally {
    kinesis.destroy();
  }
}

async function failureLines(): Promise<string[]> {
  if (!existsSync(rig.failureFile)) return [];
  return (await readFile(rig.failureFile, 'utf8')).split('\n').filter((line) => line.trim() !== '');
}

async function streamRecordCount(): Promise<number> {
  const kinesis = await rig.kinesis();
  try {
    return [...(await readShards(kinesis, rig.streamName)).values()].flat().length;
  } finally {
    kinesis.destroy();
  }
}

async function redriveJson(...args: string[]): Promise<RedriveResult> {
  const result = await runCli(['redrive', '--stack', rig.stack, '--json', ...args], {
    env: rig.dirs.env(),
    timeoutMs: 120_000,
  });
  expect(result.code, `redrive failed: ${result.stderr}${result.stdout}`).toBe(0);
  return JSON.parse(result.stdout) as RedriveResult;
}

describe('streamproc redrive on the local engine', () => {
  it('--dry-run shows the failed batches and changes nothing', async () => {
    // Prepare: 300 tweets, every 30th marked: the batches holding them go to the failure file.
    await deployFailing();
    await putTweets(300, (i) => i % 30 === 7);
    await waitUntil(async () => (await failureLines()).length > 0, 60_000, 'failed batches in the failure file');
    await rig.waitForIdle(60_000);
    const before = await readFile(rig.failureFile, 'utf8');
    const lines = await failureLines();
    const db = await rig.dynamodb();
    const itemsBefore = (await scanTable(db, rig.tableName)).tweetIds.length;
    const streamBefore = await streamRecordCount();

    // Act
    const result = await redriveJson('--dry-run');

    // Assess
    const expectedRecords = lines.map((l) => JSON.parse(l).KinesisBatchInfo.batchSize as number);
    expect(result.dryRun).toBe(true);
    expect(result.batches).toBe(lines.length);
    expect(result.records).toBe(expectedRecords.reduce((a, b) => a + b, 0));
    expect(result.details.map((d) => d.outcome)).toEqual(lines.map(() => 'would-redrive'));
    expect(result.details[0]?.from).toBe(JSON.parse(lines[0] as string).KinesisBatchInfo.startSequenceNumber);
    expect(result.removed).toBe(0);
    expect(await readFile(rig.failureFile, 'utf8')).toBe(before);
    expect(existsSync(rig.failureFile.replace('.jsonl', '.redrive.jsonl'))).toBe(false);
    expect(await streamRecordCount()).toBe(streamBefore);
    expect((await scanTable(db, rig.tableName)).tweetIds.length).toBe(itemsBefore);
    expect(itemsBefore).toBeLessThan(300);
    db.destroy();
  }, 180_000);

  it('puts every failed record back: the table holds each tweet once and the failure file is empty', async () => {
    // Prepare: the fixed (built-in) processor.
    await deployFixed();
    const batches = (await failureLines()).length;

    // Act
    const result = await redriveJson('--yes');
    await rig.waitForIdle(60_000);

    // Assess
    expect(result).toMatchObject({ dryRun: false, batches, removed: batches, lost: [], kept: [], remaining: 0 });
    const db = await rig.dynamodb();
    const { tweetIds } = await scanTable(db, rig.tableName);
    db.destroy();
    expect(duplicates(tweetIds)).toBe(0);
    expect(new Set(tweetIds)).toEqual(new Set(expectedIds));
    expect(await failureLines()).toEqual([]);
    expect(existsSync(rig.failureFile.replace('.jsonl', '.redrive.jsonl'))).toBe(false);
    expect(existsSync(rig.failureFile.replace('.jsonl', '.redrive.offset'))).toBe(false);
  }, 180_000);

  it('an interrupted redrive (Ctrl-C, then kill -9), run again, loses nothing and repeats at most the batch under way', async () => {
    // Prepare: 1,500 marked tweets → 150 failed batches.
    await deployFailing();
    await putTweets(1_500, () => true);
    await waitUntil(async () => (await failureLines()).length >= 150, 120_000, '150 failed batches');
    await rig.waitForIdle(60_000);
    await deployFixed();
    const streamBefore = await streamRecordCount();

    // Act: Ctrl-C (SIGINT) once 10 batches are done; again, kill -9 once 20 more are done; then
    // redrive to the end.
    const env = rig.dirs.env();
    const first = startCli(['redrive', '--stack', rig.stack, '--yes'], { env, timeoutMs: 120_000 });
    first.child.stdin.end();
    await first.waitForOutput(/redriven failures\.jsonl entry 10:/, { timeoutMs: 60_000 });
    process.kill(first.child.pid as number, 'SIGINT');
    const stopped = await first.exited;
    const lockAfterStop = existsSync(rig.failureFile.replace('.jsonl', '.redrive.lock'));
    const killedRun = startCli(['redrive', '--stack', rig.stack, '--yes'], { env, timeoutMs: 120_000 });
    killedRun.child.stdin.end();
    await killedRun.waitForOutput(/redriven failures\.jsonl entry 20:/, { timeoutMs: 60_000 });
    process.kill(killedRun.child.pid as number, 'SIGKILL');
    const killed = await killedRun.exited;
    const claimedLeft = existsSync(rig.failureFile.replace('.jsonl', '.redrive.jsonl'));
    const second = await redriveJson('--yes');
    await rig.waitForIdle(60_000);

    // Assess
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(
      'Hint: Run `streamproc redrive` again to finish: nothing was lost, and the batches already redriven are not repeated.',
    );
    expect(lockAfterStop).toBe(false);
    expect(killed.signal).toBe('SIGKILL');
    expect(claimedLeft).toBe(true);
    expect(second.lost).toEqual([]);
    expect(second.batches).toBeGreaterThan(0);
    expect(second.batches).toBeLessThanOrEqual(150 - 10 - 20 + 1);
    const db = await rig.dynamodb();
    const { tweetIds } = await scanTable(db, rig.tableName);
    db.destroy();
    expect(duplicates(tweetIds)).toBe(0);
    expect(new Set(tweetIds)).toEqual(new Set(expectedIds));
    const reput = (await streamRecordCount()) - streamBefore;
    expect(reput).toBeGreaterThanOrEqual(1_500);
    expect(reput).toBeLessThanOrEqual(1_500 + BATCH);
    expect(await failureLines()).toEqual([]);
  }, 300_000);

  it('reports a range the stream no longer holds as lost, with shard and range', async () => {
    // Prepare: a failed batch on a shard the stream does not have (any more).
    const state = await rig.state();
    const streamArn = `arn:aws:kinesis:${state.region}:000000000000:stream/${rig.streamName}`;
    const gone = {
      requestContext: {
        requestId: 'r-1',
        functionArn: 'f',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 1,
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000009',
        startSequenceNumber: '49650000000000000000000000000000000000000000000000000001',
        endSequenceNumber: '49650000000000000000000000000000000000000000000000000005',
        approximateArrivalOfFirstRecord: new Date().toISOString(),
        approximateArrivalOfLastRecord: new Date().toISOString(),
        batchSize: 5,
        streamArn,
      },
    };
    await appendFile(rig.failureFile, `${JSON.stringify(gone)}\n`);

    // Act
    const human = await runCli(['redrive', '--stack', rig.stack, '--yes'], { env: rig.dirs.env() });

    // Assess
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Lost ranges\s*│\s*1/);
    expect(human.stdout).toContain(
      'shardId-000000000009 49650000000000000000000000000000000000000000000000000001..49650000000000000000000000000000000000000000000000000005 (all of it), 5 records',
    );
    expect(await failureLines()).toEqual([]);
  }, 120_000);

  it('--rejected re-sends the quarantined records stored whole and names those that cannot be', async () => {
    // Prepare: three malformed records: small JSON of no known shape, 6 KiB of text (stored
    // truncated to 4 KiB), and bytes that are not UTF-8.
    const kinesis = await rig.kinesis();
    const whole = '{"v":1,"id":"not-a-tweet"}';
    const payloads = [Buffer.from(whole), Buffer.from('x'.repeat(6_000)), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])];
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: rig.streamName,
        Records: payloads.map((data, i) => ({ Data: data, PartitionKey: `bad-${i}` })),
      }),
    );
    kinesis.destroy();
    const seqs = (put.Records ?? []).map((r) => r.SequenceNumber as string);
    const db = await rig.dynamodb();
    const rejectedNow = async () => (await scanTable(db, rig.tableName)).rejected;
    await waitUntil(async () => (await rejectedNow()).length >= 3, 60_000, 'three rejected items');

    // Act
    const dry = await redriveJson('--rejected', '--dry-run');
    const afterDry = await rejectedNow();
    const run = await redriveJson('--rejected', '--yes');
    await waitUntil(async () => (await rejectedNow()).length >= 3, 60_000, 'the re-sent record rejected again');
    const after = await rejectedNow();
    db.destroy();

    // Assess
    const notResendable = [
      {
        shardId: 'shardId-000000000000',
        seq: seqs[1],
        reason: 'raw truncated: 6000 bytes, 4 KiB kept',
      },
      { shardId: 'shardId-000000000000', seq: seqs[2], reason: 'raw not UTF-8: stored text differs' },
    ];
    expect(dry.rejected).toMatchObject({ found: 3, resent: 1, complete: true });
    expect(dry.rejected?.notResendable).toEqual(expect.arrayContaining(notResendable));
    expect(afterDry.map((r) => r.seq).sort()).toEqual([...seqs].sort());
    expect(run.rejected).toMatchObject({ found: 3, resent: 1 });
    expect(run.rejected?.notResendable).toEqual(expect.arrayContaining(notResendable));
    // The whole one went back into the stream (the processor quarantined it again, under a new sequence number).
    const seqsAfter = after.map((r) => r.seq);
    expect(seqsAfter).not.toContain(seqs[0]);
    expect(seqsAfter).toEqual(expect.arrayContaining([seqs[1], seqs[2]]));
    expect(after.find((r) => !seqs.includes(r.seq))).toMatchObject({ rawBytes: whole.length });
  }, 120_000);
});
