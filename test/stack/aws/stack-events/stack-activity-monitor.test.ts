/** The stack activity monitor: driving a poller to a terminal status, quiet spells, root causes. */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import {
  isTerminal,
  monitorStackActivity,
  rootCause,
  type StackStatusSnapshot,
} from '../../../../src/stack/aws/stack-events/stack-activity-monitor.js';
import { stackEvent } from '../../../helpers/cfn-script.js';

/** A poller double handing out one prepared batch per poll, and a status per describe. */
function script(batches: StackEvent[][], statuses: (StackStatusSnapshot | undefined)[]) {
  let poll = 0;
  let describe = 0;
  return {
    poller: { poll: async () => batches[poll++] ?? [] },
    describeStatus: async () => statuses[Math.min(describe++, statuses.length - 1)],
  };
}

const noSleep = async () => {};

describe('monitorStackActivity', () => {
  it('emits events in order and stops at a terminal status', async () => {
    const a = stackEvent({ LogicalResourceId: 'EventStream', ResourceStatus: 'CREATE_IN_PROGRESS' });
    const b = stackEvent({ LogicalResourceId: 'EventStream', ResourceStatus: 'CREATE_COMPLETE' });
    const done = stackEvent({
      LogicalResourceId: 't1',
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: 'CREATE_COMPLETE',
    });
    const { poller, describeStatus } = script(
      [[a], [b], [done]],
      [{ status: 'CREATE_IN_PROGRESS' }, { status: 'CREATE_IN_PROGRESS' }, { status: 'CREATE_COMPLETE' }],
    );
    const seen: string[] = [];
    const result = await monitorStackActivity({
      poller,
      describeStatus,
      stackName: 't1',
      onActivity: (activity) => {
        if (activity.type === 'event')
          seen.push(`${activity.event.LogicalResourceId} ${activity.event.ResourceStatus}`);
      },
      sleep: noSleep,
    });
    expect(result.status).toBe('CREATE_COMPLETE');
    expect(result.interrupted).toBe(false);
    expect(seen).toEqual(['EventStream CREATE_IN_PROGRESS', 'EventStream CREATE_COMPLETE', 't1 CREATE_COMPLETE']);
  });

  it('reads the events that land after the terminal status once more', async () => {
    const late = stackEvent({
      LogicalResourceId: 't1',
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: 'UPDATE_COMPLETE',
    });
    const { poller, describeStatus } = script([[], [late]], [{ status: 'UPDATE_COMPLETE' }]);
    const result = await monitorStackActivity({ poller, describeStatus, stackName: 't1', sleep: noSleep });
    expect(result.events).toEqual([late]);
  });

  it('tracks failed resources but not the stack itself', async () => {
    const failed = stackEvent({
      LogicalResourceId: 'EventProcessorFunction',
      ResourceStatus: 'CREATE_FAILED',
      ResourceStatusReason: 'denied',
    });
    const stackFailed = stackEvent({
      LogicalResourceId: 't1',
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: 'ROLLBACK_IN_PROGRESS',
    });
    const { poller, describeStatus } = script([[failed, stackFailed]], [{ status: 'ROLLBACK_COMPLETE' }]);
    const result = await monitorStackActivity({ poller, describeStatus, stackName: 't1', sleep: noSleep });
    expect(result.failures).toEqual([failed]);
  });

  it('says "still in progress" after a quiet spell, naming what is still running', async () => {
    let clock = 0;
    const started = stackEvent({ LogicalResourceId: 'EventStream', ResourceStatus: 'CREATE_IN_PROGRESS' });
    const statuses = Array.from({ length: 7 }, () => ({ status: 'CREATE_IN_PROGRESS' }));
    const { poller, describeStatus } = script([[started]], [...statuses, { status: 'CREATE_COMPLETE' }]);
    const quiet: [number, string[]][] = [];
    await monitorStackActivity({
      poller,
      describeStatus,
      stackName: 't1',
      quietMs: 20_000,
      intervalMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      onActivity: (activity) => {
        if (activity.type === 'quiet') quiet.push([activity.seconds, activity.inProgress]);
      },
    });
    // Polls every 10 s for 60 s after the only event: one notice per 20 s of silence.
    expect(quiet).toEqual([
      [20, ['EventStream']],
      [20, ['EventStream']],
      [20, ['EventStream']],
    ]);
  });

  it('stops watching when the signal aborts, reporting the last status', async () => {
    const controller = new AbortController();
    const { poller, describeStatus } = script([], [{ status: 'UPDATE_IN_PROGRESS' }]);
    const result = await monitorStackActivity({
      poller,
      describeStatus,
      stackName: 't1',
      signal: controller.signal,
      sleep: async () => controller.abort(),
    });
    expect(result).toMatchObject({ interrupted: true, status: 'UPDATE_IN_PROGRESS' });
  });

  it('treats a stack that is gone as DELETE_COMPLETE', async () => {
    const { poller, describeStatus } = script([], [undefined]);
    const result = await monitorStackActivity({ poller, describeStatus, stackName: 't1', sleep: noSleep });
    expect(result.status).toBe('DELETE_COMPLETE');
  });
});

describe('rootCause', () => {
  it('skips "Resource creation cancelled" even when it comes first', () => {
    const cancelled = stackEvent({
      LogicalResourceId: 'EventDataTable',
      ResourceStatus: 'CREATE_FAILED',
      ResourceStatusReason: 'Resource creation cancelled',
    });
    const cause = stackEvent({
      LogicalResourceId: 'EventProcessorFunction',
      ResourceStatus: 'CREATE_FAILED',
      ResourceStatusReason: 'Access Denied',
    });
    expect(rootCause([cancelled, cause])).toBe(cause);
  });

  it('falls back to the first failure when all were cancelled', () => {
    const cancelled = stackEvent({
      ResourceStatus: 'CREATE_FAILED',
      ResourceStatusReason: 'Resource creation cancelled',
    });
    expect(rootCause([cancelled])).toBe(cancelled);
    expect(rootCause([])).toBeUndefined();
  });
});

describe('isTerminal', () => {
  it.each([
    ['CREATE_COMPLETE', true],
    ['ROLLBACK_COMPLETE', true],
    ['UPDATE_ROLLBACK_FAILED', true],
    ['REVIEW_IN_PROGRESS', true],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', false],
    ['DELETE_IN_PROGRESS', false],
  ])('%s → %s', (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
  });
});
