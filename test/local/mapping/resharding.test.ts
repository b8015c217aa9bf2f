// The mapping runner across a shard split: parents drained before their children start.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStreamSummaryCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import {
  createStream,
  fn,
  put,
  readLines,
  records,
  sleep,
  useRunnerFixtures,
  waitFor,
} from '../../helpers/mapping-harness.js';

const fx = useRunnerFixtures();

describe('mapping runner resharding', () => {
  it('drains a closed parent shard before its children start, then reads the children from their start', async () => {
    // Prepare: records on the parent, a split, records on both children.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    await put(kinesis, stream.streamName, records(6, 'p', { partitionKey: 'k' }));
    await kinesis.send(
      new SplitShardCommand({
        StreamName: stream.streamName,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: String(2n ** 127n),
      }),
    );
    for (;;) {
      const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.streamName }));
      if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await sleep(20);
    }
    await put(kinesis, stream.streamName, [...records(3, 'x', { shard: 0 }), ...records(3, 'y', { shard: 1 })], 2);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      fn: fn('slow.mjs', { RECORD_FILE: fx.ws.recordFile, DELAY_MS: '200' }),
    });

    // Act
    await runner.start();
    await waitFor(
      () =>
        readLines(fx.ws.recordFile)
          .filter((line) => line.phase === 'end')
          .flatMap((line) => line.data).length === 12,
    );

    // Assess: the parent's batch ended before any child's batch started.
    const lines = readLines(fx.ws.recordFile);
    const parentEnd = Math.max(...lines.filter((l) => l.shardId === 'shardId-000000000000').map((l) => l.at));
    const childStart = Math.min(...lines.filter((l) => l.shardId !== 'shardId-000000000000').map((l) => l.at));
    expect(parentEnd).toBeLessThanOrEqual(childStart);
    const ended = lines.filter((line) => line.phase === 'end');
    expect(ended.filter((l) => l.shardId === 'shardId-000000000000').flatMap((l) => l.data)).toEqual(
      records(6, 'p').map((r) => r.data),
    );
    expect(
      ended
        .filter((l) => l.shardId !== 'shardId-000000000000')
        .flatMap((l) => l.data)
        .sort(),
    ).toEqual(['x0', 'x1', 'x2', 'y0', 'y1', 'y2']);
    const file = JSON.parse(readFileSync(join(fx.ws.stateDir, 'checkpoints.json'), 'utf8'));
    expect(file.shards['shardId-000000000000'].closed).toBe(true);
    await waitFor(() => runner.stats().shards.find((s) => s.shardId === 'shardId-000000000000')?.state === 'closed');
  });
});
