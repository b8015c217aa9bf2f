/**
 * The shard reader against a scripted Kinesis: after an empty read it keeps its iterator, because
 * kinesalite moves the next one to "now" and would skip a record whose PutRecords was still in
 * flight (the first record of a run went missing from the table under load).
 */
import * as sdk from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../../src/local/mapping/checkpoints.js';
import { GET_RECORDS_MAX_BYTES, READ_AHEAD_RECORDS, ShardReader } from '../../../src/local/mapping/shard-reader.js';
import { mapping } from '../../helpers/mapping-harness.js';

/** A reader of one shard, from TRIM_HORIZON, through the scripted client. */
function readerOver(kinesis: sdk.KinesisClient, batchSize: number): ShardReader {
  return new ShardReader({
    kinesis,
    sdk,
    streamName: 's',
    identity: { shardId: 'shardId-000000000000', streamArn: 'arn', region: 'us-east-1', invokeIdentityArn: 'role' },
    settings: () => mapping({ batchSize }),
    checkpoints: { get: () => undefined } as unknown as CheckpointStore,
    log: () => undefined,
    idlePollMs: 1,
    startingPosition: 'TRIM_HORIZON',
    stopping: () => false,
    sleep: async () => undefined,
  });
}

describe('ShardReader', () => {
  it('reads again with the same iterator after an empty read, and moves on after records', async () => {
    // Prepare: one empty read that offers an iterator past the in-flight record, then the record.
    const used: string[] = [];
    const kinesis = {
      send: async (command: unknown) => {
        if (command instanceof sdk.GetShardIteratorCommand) return { ShardIterator: 'it-start' };
        const iterator = (command as sdk.GetRecordsCommand).input.ShardIterator as string;
        used.push(iterator);
        if (used.length === 1) return { Records: [], NextShardIterator: 'it-after-now' };
        if (iterator === 'it-start') {
          return {
            Records: [
              {
                SequenceNumber: '1',
                PartitionKey: 'k',
                Data: new Uint8Array([1]),
                ApproximateArrivalTimestamp: new Date(),
              },
            ],
            NextShardIterator: 'it-after-1',
          };
        }
        return { Records: [], NextShardIterator: iterator === 'it-after-1' ? 'it-after-1-later' : iterator };
      },
    } as unknown as sdk.KinesisClient;
    const reader = readerOver(kinesis, 1);
    // Act
    const batch = await reader.nextBatch();
    // Assess
    expect(batch.map((record) => record.sequenceNumber)).toEqual(['1']);
    expect(used).toEqual(['it-start', 'it-start']);
  });

  function scriptedShard(shard: { seq: string; bytes: number }[], limits: number[]) {
    const kinesis = {
      send: async (command: unknown) => {
        if (command instanceof sdk.GetShardIteratorCommand) return { ShardIterator: '0' };
        const input = (command as sdk.GetRecordsCommand).input;
        const from = Number(input.ShardIterator);
        limits.push(input.Limit as number);
        const page = shard.slice(from, from + (input.Limit as number));
        return {
          Records: page.map((r) => ({
            SequenceNumber: r.seq,
            PartitionKey: 'k',
            Data: new Uint8Array(r.bytes),
            ApproximateArrivalTimestamp: new Date(),
          })),
          NextShardIterator: String(from + page.length),
        };
      },
    } as unknown as sdk.KinesisClient;
    return readerOver(kinesis, 100);
  }

  async function readAll(reader: ShardReader, count: number): Promise<string[]> {
    const seen: string[] = [];
    while (seen.length < count) {
      const batch = await reader.nextBatch();
      expect(batch.length).toBeLessThanOrEqual(100);
      seen.push(...batch.map((record) => record.sequenceNumber));
    }
    return seen;
  }

  // "GetRecords can return up to 10 MB of data or 10,000 records per call"
  // (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html); Lambda's poller
  // cuts batches from what it read.
  it('reads ahead like Lambda’s poller: batches of 100 cut from reads of 1,000, every record once, in order', async () => {
    // Prepare: 2,500 small records, BatchSize 100.
    const shard = Array.from({ length: 2_500 }, (_, i) => ({ seq: String(i + 1), bytes: 100 }));
    const limits: number[] = [];
    // Act
    const seen = await readAll(scriptedShard(shard, limits), shard.length);
    // Assess: the first read asks only for the batch; then 1,000 at a time.
    expect(seen).toEqual(shard.map((r) => r.seq));
    expect(limits).toEqual([100, READ_AHEAD_RECORDS, READ_AHEAD_RECORDS, READ_AHEAD_RECORDS]);
  });

  it('reads no further ahead than about 10 MB when records are large (but always what the batch needs)', async () => {
    // Prepare: 300 records of 200 KB: 10 MB holds 51 of them, fewer than the batch's 100.
    const shard = Array.from({ length: 300 }, (_, i) => ({ seq: String(i + 1), bytes: 200 * 1024 }));
    const limits: number[] = [];
    // Act
    const seen = await readAll(scriptedShard(shard, limits), shard.length);
    // Assess
    expect(seen).toEqual(shard.map((r) => r.seq));
    expect(Math.floor(GET_RECORDS_MAX_BYTES / (200 * 1024))).toBeLessThan(100);
    expect(Math.max(...limits)).toBe(100);
  });
});
