// ParallelizationFactor's pure decisions: which concurrent batch a record joins, and how far the shard's checkpoint may move.

import type { ShardRecord } from './kinesis-event.js';

/**
 * With ParallelizationFactor N, Lambda processes up to N batches of one shard at once, and
 * "records with the same partition key" stay in order because they always go to the same batch
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-parallelization).
 * Locally each of the N lanes is a queue of records with its own execution environment; the shard's
 * checkpoint moves only over records every lane is done with.
 */

/** The lane (0 … factor−1) of a partition key: FNV-1a of its UTF-8 bytes, modulo the factor. */
export function laneOf(partitionKey: string, factor: number): number {
  if (factor <= 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(partitionKey, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % factor;
}

/** Splits records read in shard order into one list per lane, each still in shard order. */
export function assignLanes(records: readonly ShardRecord[], factor: number): ShardRecord[][] {
  const lanes: ShardRecord[][] = Array.from({ length: Math.max(1, factor) }, () => []);
  for (const record of records) lanes[laneOf(record.partitionKey, factor)]?.push(record);
  return lanes;
}

/**
 * The records of a shard read but not yet all handled, in shard order. A record is handled when
 * its batch succeeded or it was sent to the on-failure destination, in whatever lane and order;
 * the checkpoint may then move to the highest sequence number at or below which every record is
 * handled, and no further. Plain data: no clock, no I/O.
 */
export class HandledPrefix {
  private readonly order: string[] = [];
  private head = 0;
  private readonly handled = new Set<string>();

  /** Records read, in shard order (appended after every earlier one). */
  add(records: readonly ShardRecord[]): void {
    for (const record of records) this.order.push(record.sequenceNumber);
  }

  /**
   * Marks records handled; returns the sequence number the checkpoint may move to now, or
   * undefined when it may not move (an earlier record is still outstanding).
   */
  markHandled(records: readonly ShardRecord[]): string | undefined {
    for (const record of records) this.handled.add(record.sequenceNumber);
    let through: string | undefined;
    while (this.head < this.order.length) {
      const next = this.order[this.head] as string;
      if (!this.handled.has(next)) break;
      this.handled.delete(next);
      through = next;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return through;
  }

  /** Records read and not yet covered by the checkpoint (handled out of order or outstanding). */
  get outstanding(): number {
    return this.order.length - this.head;
  }

  /** Forgets everything: the shard is read again from its checkpoint. */
  clear(): void {
    this.order.length = 0;
    this.head = 0;
    this.handled.clear();
  }
}
