// Which shards of a stream a mapping may read now: listing them, and holding children back for their parents.

import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import type { ShardCheckpoint } from './checkpoints.js';
import { emptyShardCounters, type ShardStats } from './reports.js';

/**
 * After a reshard, a child shard starts only once its parent(s) were read to their end (or have
 * left the stream), and starts at TRIM_HORIZON when this mapping read a parent, so ordering per
 * partition key holds across the split or merge.
 */

export type ShardPlan =
  | { shardId: string; action: 'wait' }
  | { shardId: string; action: 'start'; fromTrimHorizon: boolean };

/**
 * What to do with each listed shard, in listing order: nothing for one already polled or read to
 * its end; wait while a parent is still in the stream and not drained; else start it.
 */
export function planShards(
  listed: readonly Shard[],
  polling: (shardId: string) => boolean,
  checkpoint: (shardId: string) => ShardCheckpoint | undefined,
): ShardPlan[] {
  const inStream = new Set(listed.map((shard) => shard.ShardId ?? ''));
  const plan: ShardPlan[] = [];
  for (const shard of listed) {
    const shardId = shard.ShardId;
    if (!shardId || polling(shardId) || checkpoint(shardId)?.closed) continue;
    const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id));
    if (parents.some((parent) => inStream.has(parent) && !checkpoint(parent)?.closed)) {
      plan.push({ shardId, action: 'wait' });
      continue;
    }
    const readParent = parents.some((parent) => checkpoint(parent) !== undefined);
    plan.push({ shardId, action: 'start', fromTrimHorizon: readParent });
  }
  return plan;
}

/** Every shard of the stream, all ListShards pages. */
export async function listShards(
  kinesis: KinesisClient,
  sdk: typeof import('@aws-sdk/client-kinesis'),
  streamName: string,
): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      new sdk.ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

/** The stats of a shard held back until its parents are drained. */
export function waitingStats(shardId: string, checkpoint: string | undefined): ShardStats {
  return {
    shardId,
    state: 'waiting-for-parent',
    checkpoint,
    lagMs: 0,
    ...emptyShardCounters(),
  };
}
