// TumblingWindowInSeconds' pure pieces: which window a record is in, the windowed event, and what a response must hold.

import { type EventSourceIdentity, type KinesisEvent, type ShardRecord, toKinesisEvent } from './kinesis-event.js';

/**
 * Tumbling windows (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html):
 * the records of a shard are grouped into fixed, non-overlapping windows by their arrival time;
 * each invocation carries the window, the `state` the previous invocation of the same window and
 * shard returned, and flags; after the window ends a final invocation (empty Records,
 * isFinalInvokeForWindow) hands over the aggregate. A response without `state` is a failed
 * invocation, and a state above 1 MB ends the window early (isWindowTerminatedEarly).
 */

/** The documented limit on a window's state, per shard. */
export const MAX_WINDOW_STATE_BYTES = 1024 * 1024;

export interface Window {
  startMs: number;
  endMs: number;
}

/** The event of a windowed invocation: Lambda's Kinesis event plus the window properties. */
export interface KinesisTimeWindowEvent extends KinesisEvent {
  window: { start: string; end: string };
  state: unknown;
  shardId: string;
  eventSourceARN: string;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}

/** The window an arrival time falls in: windows are aligned to multiples of their length since the epoch. */
export function windowOf(arrivalMs: number, seconds: number): Window {
  const lengthMs = seconds * 1000;
  const startMs = Math.floor(arrivalMs / lengthMs) * lengthMs;
  return { startMs, endMs: startMs + lengthMs };
}

/** Splits records in shard order into runs of one window each: an invocation never spans two windows. */
export function splitByWindow(
  records: readonly ShardRecord[],
  seconds: number,
): { window: Window; records: ShardRecord[] }[] {
  const runs: { window: Window; records: ShardRecord[] }[] = [];
  for (const record of records) {
    const window = windowOf(record.arrivalMs, seconds);
    const last = runs[runs.length - 1];
    // Arrival times within a shard only move forward; a record stamped earlier stays in the current window.
    if (last && window.startMs <= last.window.startMs) last.records.push(record);
    else runs.push({ window, records: [record] });
  }
  return runs;
}

/** Lambda's ISO form of a window bound, without milliseconds (e.g. 2020-12-09T07:04:00Z). */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function windowEvent(
  records: readonly ShardRecord[],
  identity: EventSourceIdentity,
  window: Window,
  state: unknown,
  flags: { isFinalInvokeForWindow: boolean; isWindowTerminatedEarly: boolean },
): KinesisTimeWindowEvent {
  return {
    ...toKinesisEvent(records, identity),
    window: { start: iso(window.startMs), end: iso(window.endMs) },
    state,
    shardId: identity.shardId,
    eventSourceARN: identity.streamArn,
    ...flags,
  };
}

/**
 * What a windowed invocation's response means: its `state` (required: "If the response does not
 * contain a state property, Lambda considers this a failed invocation"), and whether that state
 * is over the 1 MB limit, which terminates the window early.
 */
export function readWindowResponse(
  result: unknown,
): { ok: true; state: unknown; overLimit: boolean } | { ok: false; errorMessage: string } {
  if (result === null || typeof result !== 'object' || !('state' in result))
    return { ok: false, errorMessage: 'the response of a tumbling window invocation has no state property' };
  const state = (result as { state: unknown }).state;
  const bytes = Buffer.byteLength(JSON.stringify(state) ?? '');
  return { ok: true, state, overLimit: bytes > MAX_WINDOW_STATE_BYTES };
}
