// A shard with ParallelizationFactor above 1: the reader fills one queue per lane, each lane settles its own batches.

import type { BatchLane } from './batch-lane.js';
import { MAX_EVENT_PAYLOAD_BYTES, type ShardRecord } from './kinesis-event.js';
import { assignLanes } from './parallelization.js';

/**
 * The reader fills one queue per lane (by partition key, parallelization.ts) up to N batches
 * ahead, and each lane settles batches from its own queue, so up to N batches of the shard run at
 * once and each key stays in order. A failure anywhere stops reading; once every lane has
 * finished its batch, the error is thrown for the poller to read again from the checkpoint.
 */

export interface ConcurrentLanesContext {
  lanes: readonly BatchLane[];
  /** False once the settings ask for another mode (another factor, tumbling windows): drain and return. */
  current(): boolean;
  batchSize(): number;
  /** Reads the next records (and registers them for the checkpoint). */
  nextBatch(limits: { records: number; bytes: number }): Promise<ShardRecord[]>;
  drained(): boolean;
  /** Records read and not yet covered by the checkpoint. */
  outstanding(): number;
  stopping(): boolean;
  /** Wakes whoever waits in waitForSignal(). */
  signal(): void;
  waitForSignal(): Promise<void>;
  closeShard(): Promise<'ended'>;
}

export async function runConcurrentLanes(ctx: ConcurrentLanesContext): Promise<'ended' | 'resize'> {
  const factor = ctx.lanes.length;
  const queues: ShardRecord[][] = ctx.lanes.map(() => []);
  let readerDone = false;
  let failure: { error: unknown } | undefined;
  const laneLoop = async (lane: BatchLane, queue: ShardRecord[]): Promise<void> => {
    while (!ctx.stopping() && !failure) {
      if (queue.length === 0) {
        if (readerDone) return;
        await ctx.waitForSignal();
        continue;
      }
      const batch = takeBatch(queue, ctx.batchSize());
      ctx.signal();
      try {
        if (!(await lane.process(batch))) return;
      } catch (error) {
        failure ??= { error };
        return;
      } finally {
        ctx.signal();
      }
    }
  };
  const loops = ctx.lanes.map((lane, index) => laneLoop(lane, queues[index] as ShardRecord[]));
  let ended: 'ended' | 'resize' | 'drained' = 'ended';
  try {
    while (!ctx.stopping() && !failure) {
      if (!ctx.current()) {
        ended = 'resize';
        break;
      }
      const capacity = factor * ctx.batchSize();
      const queued = queues.reduce((sum, queue) => sum + queue.length, 0);
      if (queued >= capacity) {
        await ctx.waitForSignal();
        continue;
      }
      const batch = await ctx.nextBatch({ records: capacity - queued, bytes: factor * MAX_EVENT_PAYLOAD_BYTES });
      if (ctx.stopping()) break;
      if (batch.length === 0) {
        if (ctx.drained()) {
          ended = 'drained';
          break;
        }
        continue;
      }
      for (const [index, records] of assignLanes(batch, factor).entries())
        for (const record of records) queues[index]?.push(record);
      ctx.signal();
    }
  } catch (error) {
    failure ??= { error };
  }
  readerDone = true;
  ctx.signal();
  await Promise.all(loops);
  if (failure) throw failure.error;
  if (ended === 'drained' && !ctx.stopping() && ctx.outstanding() === 0) return ctx.closeShard();
  return ended === 'resize' ? 'resize' : 'ended';
}

/** The next batch of a lane: the oldest records of its queue, up to the batch size and 6 MB. */
function takeBatch(queue: ShardRecord[], batchSize: number): ShardRecord[] {
  let count = 0;
  let bytes = 0;
  while (count < queue.length && count < batchSize) {
    const size = (queue[count] as ShardRecord).eventBytes;
    if (count > 0 && bytes + size > MAX_EVENT_PAYLOAD_BYTES) break;
    bytes += size;
    count++;
  }
  return queue.splice(0, count);
}
