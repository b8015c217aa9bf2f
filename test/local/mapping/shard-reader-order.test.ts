/**
 * The shard reader against a scripted Kinesis: FilterCriteria drops records before a batch is formed
 * and hands back what the checkpoint may move past; a record behind one that did not fit the 6 MB
 * payload waits too, so that batches stay in shard order
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html: records of a shard in order).
 */
import * as sdk from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../../src/local/mapping/checkpoints.js';
import type { MappingSettings } from '../../../src/local/mapping/settings.js';
import { ShardReader } from '../../../src/local/mapping/shard-reader.js';
import { mapping } from '../../helpers/mapping-harness.js';

type Scripted = { sequenceNumber: string; data: Uint8Array };

/** A reader whose single GetRecords returns `records`, then nothing (the shard stays open). */
function readerOf(records: Scripted[], settings: MappingSettings): ShardReader {
  let served = false;
  const kinesis = {
    send: async (command: unknown) => {
      if (command instanceof sdk.GetShardIteratorCommand) return { ShardIterator: 'it-0' };
      if (served) return { Records: [], NextShardIterator: 'it-1' };
      served = true;
      return {
        Records: records.map((r) => ({
          SequenceNumber: r.sequenceNumber,
          PartitionKey: 'k',
          Data: r.data,
          ApproximateArrivalTimestamp: new Date(),
        })),
        NextShardIterator: 'it-1',
      };
    },
  } as unknown as sdk.KinesisClient;
  return new ShardReader({
    kinesis,
    sdk,
    streamName: 's',
    identity: { shardId: 'shardId-000000000000', streamArn: 'arn', region: 'us-east-1', invokeIdentityArn: 'role' },
    settings: () => settings,
    checkpoints: { get: () => undefined } as unknown as CheckpointStore,
    log: () => undefined,
    idlePollMs: 1,
    startingPosition: 'TRIM_HORIZON',
    stopping: () => false,
    sleep: async () => undefined,
  });
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('ShardReader order and filtering', () => {
  it('keeps a small record behind a large one that did not fit the 6 MB batch', async () => {
    // Prepare: 3 MB and 2.5 MB of data (4 MB and 3.3 MB as base64 in the event), then 1 byte.
    const reader = readerOf(
      [
        { sequenceNumber: '1', data: new Uint8Array(3 * 1024 * 1024) },
        { sequenceNumber: '2', data: new Uint8Array(2.5 * 1024 * 1024) },
        { sequenceNumber: '3', data: new Uint8Array(1) },
      ],
      mapping(),
    );
    // Act
    const first = await reader.nextBatch();
    const second = await reader.nextBatch();
    // Assess
    expect(first.map((r) => r.sequenceNumber)).toEqual(['1']);
    expect(second.map((r) => r.sequenceNumber)).toEqual(['2', '3']);
  });

  it('drops records no filter matches before the batch, and hands back the last one to checkpoint past', async () => {
    // Prepare: batch size 1; a match, two that do not match, another match.
    const reader = readerOf(
      [
        { sequenceNumber: '1', data: json({ lang: 'en' }) },
        { sequenceNumber: '2', data: json({ lang: 'fr' }) },
        { sequenceNumber: '3', data: json({ lang: 'fr' }) },
        { sequenceNumber: '4', data: json({ lang: 'en' }) },
        { sequenceNumber: '5', data: new TextEncoder().encode('not json') },
      ],
      mapping({ batchSize: 1, filterPatterns: ['{"data":{"lang":["en"]}}'] }),
    );
    // Act / Assess: the first batch is record 1 (the batch is full); 2 and 3, dropped behind it,
    // may be checkpointed once it is settled; 4 waits for the next batch, 5 (not JSON) behind it.
    expect((await reader.nextBatch()).map((r) => r.sequenceNumber)).toEqual(['1']);
    const afterFirst = reader.takeFiltered();
    expect({ count: afterFirst.count, through: afterFirst.through?.sequenceNumber }).toEqual({
      count: 2,
      through: '3',
    });
    expect((await reader.nextBatch()).map((r) => r.sequenceNumber)).toEqual(['4']);
    const afterSecond = reader.takeFiltered();
    expect({ count: afterSecond.count, through: afterSecond.through?.sequenceNumber }).toEqual({
      count: 1,
      through: '5',
    });
  });
});
