// A shard with TumblingWindowInSeconds: batches per window carrying the window's state, and each window's final invocation.

import type { BatchLane, InvocationShape } from './batch-lane.js';
import { retryDelayMs } from './batch-policy.js';
import type { EventSourceIdentity, ShardRecord } from './kinesis-event.js';
import type { RunnerLog } from './reports.js';
import { readWindowResponse, splitByWindow, type Window, windowEvent } from './tumbling-window.js';

/**
 * One batch at a time, as with ParallelizationFactor 1, but no invocation spans two windows, and
 * each carries the state the previous invocation of its window returned
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html). After the window
 * ends — when a record of a later window arrives, or when its end passes — the final invocation
 * (empty Records, isFinalInvokeForWindow) is made and retried until it succeeds ("your Lambda
 * function suspends further processing until a successful invocation"); only then are the
 * window's records checkpointed, so a restart replays an unfinished window and rebuilds its state
 * (the state lives in memory only, as the aggregate of what was replayed).
 */

export interface WindowedShardContext {
  identity: EventSourceIdentity;
  lane: BatchLane;
  /** The window length (s); the loop returns 'resize' when it changes. */
  windowSeconds(): number;
  nextBatch(untilMs: number | undefined): Promise<ShardRecord[]>;
  drained(): boolean;
  stopping(): boolean;
  sleep(ms: number): Promise<void>;
  log: RunnerLog;
  /** From now on records handled by the lane are held back, not checkpointed. */
  holdHandled(): void;
  /** Checkpoints the records held back since holdHandled(). */
  releaseHandled(): void;
  closeShard(): Promise<'ended'>;
}

interface OpenWindow extends Window {
  state: unknown;
  /** The last response's state was over 1 MB: the window ends early, then continues with a fresh state. */
  overLimit: boolean;
}

export async function runWindowedShard(ctx: WindowedShardContext): Promise<'ended' | 'resize'> {
  const seconds = ctx.windowSeconds();
  let open: OpenWindow | undefined;
  const shape = (window: OpenWindow): InvocationShape => ({
    event: (records) =>
      windowEvent(records, ctx.identity, window, window.state, {
        isFinalInvokeForWindow: false,
        isWindowTerminatedEarly: false,
      }),
    accept: (result) => {
      const response = readWindowResponse(result);
      if (!response.ok) return response.errorMessage;
      window.state = response.state;
      window.overLimit = response.overLimit;
      return undefined;
    },
  });
  /** Makes the window's final invocation until it succeeds; false when stopping first. */
  const finish = async (window: OpenWindow, early: boolean): Promise<boolean> => {
    const event = windowEvent([], ctx.identity, window, window.state, {
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: early,
    });
    for (let retry = 1; !ctx.stopping(); retry++) {
      const outcome = await ctx.lane.invoke(event);
      if (outcome.status === 'aborted') return false;
      if (outcome.status === 'success') {
        ctx.releaseHandled();
        return true;
      }
      ctx.log({
        level: 'warn',
        event: 'window-final-invocation-failed',
        shardId: ctx.identity.shardId,
        requestId: outcome.requestId,
        errorType: outcome.errorType,
        errorMessage: outcome.errorMessage,
      });
      await ctx.sleep(retryDelayMs(retry));
    }
    return false;
  };

  ctx.holdHandled();
  while (!ctx.stopping()) {
    if (ctx.windowSeconds() !== seconds) {
      if (open && !(await finish(open, true))) return 'ended';
      ctx.releaseHandled();
      return 'resize';
    }
    const batch = await ctx.nextBatch(open?.endMs);
    if (ctx.stopping()) break;
    if (batch.length === 0) {
      if (open && Date.now() >= open.endMs) {
        if (!(await finish(open, false))) break;
        open = undefined;
      }
      if (ctx.drained()) {
        if (open && !(await finish(open, false))) break;
        return ctx.closeShard();
      }
      continue;
    }
    for (const run of splitByWindow(batch, seconds)) {
      if (open && run.window.startMs > open.startMs) {
        if (!(await finish(open, false))) return 'ended';
        open = undefined;
      }
      open ??= { ...run.window, state: {}, overLimit: false };
      if (!(await ctx.lane.process(run.records, shape(open)))) return 'ended';
      if (open.overLimit) {
        ctx.log({ level: 'warn', event: 'window-terminated-early', shardId: ctx.identity.shardId });
        if (!(await finish(open, true))) return 'ended';
        open = { startMs: open.startMs, endMs: open.endMs, state: {}, overLimit: false };
      }
    }
  }
  return 'ended';
}
