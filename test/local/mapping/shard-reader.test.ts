/**
 * The shard reader against a scripted Kinesis: after an empty read it keeps its iterator, because
 * kinesalite moves the next one to "now" and would skip a record whose PutRecords was still in
 * flight (the first record of a run went missing from the table under load).
 */
import * as sdk from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../../src/local/mapping/checkpoints.js';
import { ShardReader } from '../../../src/local/mapping/shard-reader.js';
import { mapping } from '../../helpers/mapping-harness.js';

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
    const reader = new ShardReader({
      kinesis,
      sdk,
      streamName: 's',
      identity: { shardId: 'shardId-000000000000', streamArn: 'arn', region: 'us-east-1', invokeIdentityArn: 'role' },
      settings: () => mapping({ batchSize: 1 }),
      checkpoints: { get: () => undefined } as unknown as CheckpointStore,
      log: () => undefined,
      idlePollMs: 1,
      startingPosition: 'TRIM_HORIZON',
      stopping: () => false,
      sleep: async () => undefined,
    });
    // Act
    const batch = await reader.nextBatch();
    // Assess
    expect(batch.map((record) => record.sequenceNumber)).toEqual(['1']);
    expect(used).toEqual(['it-start', 'it-start']);
  });
});
