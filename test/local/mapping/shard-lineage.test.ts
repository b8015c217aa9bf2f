// Which listed shards a mapping starts, holds back for their parents, or leaves alone, with plain values.

import type { Shard } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import type { ShardCheckpoint } from '../../../src/local/mapping/checkpoints.js';
import { planShards } from '../../../src/local/mapping/shard-lineage.js';

const shard = (ShardId: string, ParentShardId?: string, AdjacentParentShardId?: string): Shard =>
  ({ ShardId, ParentShardId, AdjacentParentShardId }) as Shard;

function lookup(checkpoints: Record<string, Partial<ShardCheckpoint>>) {
  return (shardId: string) => checkpoints[shardId] as ShardCheckpoint | undefined;
}

const notPolling = () => false;

describe('shard lineage', () => {
  it('starts shards without parents at the mapping starting position', () => {
    // Act
    const plan = planShards([shard('s0'), shard('s1')], notPolling, lookup({}));

    // Assess
    expect(plan).toEqual([
      { shardId: 's0', action: 'start', fromTrimHorizon: false },
      { shardId: 's1', action: 'start', fromTrimHorizon: false },
    ]);
  });

  it('holds children back while a parent is in the stream and not read to its end', () => {
    // Prepare: s0 split into s1 and s2; s3 merged from s1 and the drained s4.
    const listed = [shard('s0'), shard('s1', 's0'), shard('s2', 's0'), shard('s4'), shard('s3', 's4', 's1')];

    // Act
    const plan = planShards(listed, (id) => id === 's0', lookup({ s0: { sequenceNumber: '5' }, s4: { closed: true } }));

    // Assess: s0 is being polled, s4 is done; s3 still waits for s1.
    expect(plan).toEqual([
      { shardId: 's1', action: 'wait' },
      { shardId: 's2', action: 'wait' },
      { shardId: 's3', action: 'wait' },
    ]);
  });

  it('starts children from their beginning once the parent this mapping read is drained', () => {
    // Act
    const plan = planShards(
      [shard('s0'), shard('s1', 's0')],
      notPolling,
      lookup({ s0: { sequenceNumber: '9', closed: true } }),
    );

    // Assess
    expect(plan).toEqual([{ shardId: 's1', action: 'start', fromTrimHorizon: true }]);
  });

  it('starts a child at the starting position when its parent left the stream unread', () => {
    // Act
    const plan = planShards([shard('s1', 's0')], notPolling, lookup({}));

    // Assess
    expect(plan).toEqual([{ shardId: 's1', action: 'start', fromTrimHorizon: false }]);
  });
});
