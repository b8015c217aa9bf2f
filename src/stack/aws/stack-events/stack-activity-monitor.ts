/**
 * Drives a stack event poller until the stack reaches a terminal status (the monitor of CDK's
 * poller → monitor → printer split). It never prints: each event and each quiet spell goes onward
 * as typed activity, and the outcome is the returned result.
 */
import type { StackEvent } from '@aws-sdk/client-cloudformation';

export interface StackStatusSnapshot {
  status: string;
  reason?: string;
}

/** What the monitor hands onward while it watches, as it happens. */
export type StackActivity =
  /** A new event, oldest first, each once. */
  | { type: 'event'; event: StackEvent }
  /** Nothing happened for a quiet spell: seconds since the last event, resources still in progress. */
  | { type: 'quiet'; seconds: number; inProgress: string[] };

export interface StackActivityMonitorOptions {
  poller: { poll(): Promise<StackEvent[]> };
  /** The stack's current status; undefined when the stack is gone (after a delete). */
  describeStatus: () => Promise<StackStatusSnapshot | undefined>;
  /** Stack id or name: tells the stack's own events from its resources' events. */
  stackName: string;
  /** Receives each event and quiet spell as it happens. */
  onActivity?: (activity: StackActivity) => void;
  /** Poll interval in ms (default 2000). */
  intervalMs?: number;
  /** Quiet spell before a `quiet` activity, then again after each further spell, in ms (default 20000). */
  quietMs?: number;
  /** Aborting stops watching (the stack operation itself continues in CloudFormation). */
  signal?: AbortSignal;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface StackActivityResult {
  /** The terminal status, `DELETE_COMPLETE` for a stack that is gone, or the last seen when interrupted. */
  status: string;
  reason?: string;
  interrupted: boolean;
  events: StackEvent[];
  /** Resource events ending in _FAILED, oldest first. */
  failures: StackEvent[];
}

export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

/** Statuses where CloudFormation has stopped working on the stack. */
export function isTerminal(status: string): boolean {
  return !isInProgress(status);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function isStackEvent(event: StackEvent, stackName: string): boolean {
  return (
    event.ResourceType === 'AWS::CloudFormation::Stack' &&
    (event.PhysicalResourceId === stackName || event.LogicalResourceId === stackName)
  );
}

export async function monitorStackActivity(options: StackActivityMonitorOptions): Promise<StackActivityResult> {
  const interval = options.intervalMs ?? 2000;
  const quietMs = options.quietMs ?? 20_000;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const events: StackEvent[] = [];
  const failures: StackEvent[] = [];
  const inProgress = new Map<string, string>();
  let lastActivity = now();
  let snapshot: StackStatusSnapshot | undefined;

  const absorb = (fresh: StackEvent[]) => {
    if (fresh.length === 0) return;
    lastActivity = now();
    events.push(...fresh);
    for (const event of fresh) {
      const id = event.LogicalResourceId ?? '';
      const status = event.ResourceStatus ?? '';
      if (!isStackEvent(event, options.stackName)) {
        if (status.endsWith('_FAILED')) failures.push(event);
        if (status.endsWith('_IN_PROGRESS')) inProgress.set(id, status);
        else inProgress.delete(id);
      }
    }
    for (const event of fresh) options.onActivity?.({ type: 'event', event });
  };

  for (;;) {
    if (options.signal?.aborted) {
      return { status: snapshot?.status ?? 'UNKNOWN', reason: snapshot?.reason, interrupted: true, events, failures };
    }
    absorb(await options.poller.poll());
    snapshot = await options.describeStatus();
    if (!snapshot || isTerminal(snapshot.status)) {
      // The last events can land between the poll and the status read.
      absorb(await options.poller.poll());
      return {
        status: snapshot?.status ?? 'DELETE_COMPLETE',
        reason: snapshot?.reason,
        interrupted: false,
        events,
        failures,
      };
    }
    const quietFor = now() - lastActivity;
    if (quietFor >= quietMs) {
      options.onActivity?.({ type: 'quiet', seconds: quietFor / 1000, inProgress: [...inProgress.keys()] });
      // Count the next quiet spell from this notice, not from the last event.
      lastActivity = now();
    }
    await sleep(interval, options.signal);
  }
}

/** Reasons that are consequences of another failure, never its cause. */
const CONSEQUENTIAL = /resource (creation|update|deletion) cancell?ed|cancelled|canceled/i;

/**
 * The failure that explains the others: the earliest resource failure whose reason is not
 * "Resource creation cancelled" (CloudFormation cancels siblings once one resource fails).
 */
export function rootCause(failures: StackEvent[]): StackEvent | undefined {
  return failures.find((e) => !CONSEQUENTIAL.test(e.ResourceStatusReason ?? '')) ?? failures[0];
}
