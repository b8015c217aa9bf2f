/**
 * Records in each shard after its checkpoint, for `status`: kinesalite gives no MillisBehindLatest
 * and no per-shard count, but one GetRecords after the checkpoint (capped) is cheap, and the engine
 * has the Kinesis client warm, so the CLI need not load the SDK for it.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { ShardStats } from '../mapping/reports.js';
import type { StartingPosition } from '../mapping/settings.js';

export interface ShardBehind {
  shardId: string;
  /** Records after the checkpoint, up to the cap; absent when not known (see `reason`). */
  count?: number;
  /** The count reached the cap: there are at least that many. */
  capped?: boolean;
  reason?: string;
}

export async function recordsBehind(options: {
  kinesis: KinesisClient;
  streamName: string;
  shards: Pick<ShardStats, 'shardId' | 'state' | 'checkpoint'>[];
  startingPosition: StartingPosition;
  cap: number;
}): Promise<ShardBehind[]> {
  const { GetShardIteratorCommand, GetRecordsCommand } = await import('@aws-sdk/client-kinesis');
  return Promise.all(
    options.shards.map(async ({ shardId, state, checkpoint }): Promise<ShardBehind> => {
      if (state === 'closed') return { shardId, count: 0 };
      if (!checkpoint && options.startingPosition !== 'TRIM_HORIZON') {
        return { shardId, reason: `no checkpoint yet and the mapping starts at ${options.startingPosition}` };
      }
      try {
        const { ShardIterator } = await options.kinesis.send(
          new GetShardIteratorCommand({
            StreamName: options.streamName,
            ShardId: shardId,
            ...(checkpoint
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        const page = await options.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: options.cap }));
        const count = page.Records?.length ?? 0;
        return { shardId, count, ...(count >= options.cap ? { capped: true } : {}) };
      } catch (error) {
        return { shardId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
    }),
  );
}
