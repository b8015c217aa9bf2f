/** The stack event poller: new events only, oldest first, across pages, through throttling. */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { StackEventPoller } from '../../../../src/stack/aws/stack-events/stack-event-poller.js';
import { stackEvent } from '../../../helpers/cfn-script.js';

/** A DescribeStackEvents double: newest first, `pageSize` per page, optional failures first. */
function fakeClient(events: () => StackEvent[], options: { pageSize?: number; failures?: unknown[] } = {}) {
  const failures = [...(options.failures ?? [])];
  const calls: { NextToken?: string }[] = [];
  return {
    calls,
    send: async (command: { input: { NextToken?: string } }) => {
      calls.push(command.input);
      const failure = failures.shift();
      if (failure) throw failure;
      const all = [...events()].reverse();
      const start = Number(command.input.NextToken ?? 0);
      const size = options.pageSize ?? 100;
      const page = all.slice(start, start + size);
      return { StackEvents: page, NextToken: start + size < all.length ? String(start + size) : undefined };
    },
  };
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds));

describe('StackEventPoller', () => {
  it('returns only events from the operation start, oldest first', async () => {
    // Prepare
    const old = stackEvent({ Timestamp: at(1), LogicalResourceId: 'Old' });
    const a = stackEvent({ Timestamp: at(10), LogicalResourceId: 'A' });
    const b = stackEvent({ Timestamp: at(11), LogicalResourceId: 'B' });
    const client = fakeClient(() => [old, a, b]);
    const poller = new StackEventPoller({ client: client as never, stack: 't1', startTime: at(5) });
    // Act
    const events = await poller.poll();
    // Assess
    expect(events.map((e) => e.LogicalResourceId)).toEqual(['A', 'B']);
  });

  it('reports each event once across polls (de-duplicated by EventId)', async () => {
    const list = [stackEvent({ Timestamp: at(10), LogicalResourceId: 'A' })];
    const client = fakeClient(() => list);
    const poller = new StackEventPoller({ client: client as never, stack: 't1', startTime: at(0) });
    const first = await poller.poll();
    list.push(
      stackEvent({ Timestamp: at(12), LogicalResourceId: 'B' }),
      stackEvent({ Timestamp: at(12), LogicalResourceId: 'C' }),
    );
    const second = await poller.poll();
    const third = await poller.poll();
    expect(first.map((e) => e.LogicalResourceId)).toEqual(['A']);
    expect(second.map((e) => e.LogicalResourceId)).toEqual(['B', 'C']);
    expect(third).toEqual([]);
  });

  it('follows pages until it meets an event it has seen', async () => {
    const list = Array.from({ length: 7 }, (_, i) => stackEvent({ Timestamp: at(10 + i), LogicalResourceId: `R${i}` }));
    const client = fakeClient(() => list, { pageSize: 3 });
    const poller = new StackEventPoller({ client: client as never, stack: 't1', startTime: at(0) });
    const first = await poller.poll();
    list.push(stackEvent({ Timestamp: at(30), LogicalResourceId: 'Late' }));
    const callsBefore = client.calls.length;
    const second = await poller.poll();
    expect(first.map((e) => e.LogicalResourceId)).toEqual(['R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6']);
    expect(second.map((e) => e.LogicalResourceId)).toEqual(['Late']);
    // The second poll stopped on its first page, at the first seen event.
    expect(client.calls.length - callsBefore).toBe(1);
  });

  it('ignores events marked as seen before the operation', async () => {
    const before = stackEvent({ Timestamp: at(10), LogicalResourceId: 'Before' });
    const client = fakeClient(() => [before]);
    const poller = new StackEventPoller({ client: client as never, stack: 't1', startTime: at(10) });
    poller.markSeen([before]);
    expect(await poller.poll()).toEqual([]);
  });

  it('backs off and retries when DescribeStackEvents is throttled', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    const client = fakeClient(() => [stackEvent({ Timestamp: at(10), LogicalResourceId: 'A' })], {
      failures: [throttled, throttled, throttled],
    });
    const delays: number[] = [];
    const poller = new StackEventPoller({
      client: client as never,
      stack: 't1',
      startTime: at(0),
      throttleDelayMs: 100,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    const events = await poller.poll();
    expect(events.map((e) => e.LogicalResourceId)).toEqual(['A']);
    expect(delays).toEqual([100, 200, 400]);
    expect(poller.throttled).toBe(3);
  });

  it('gives up after the retry budget and rethrows the throttling error', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    const client = fakeClient(() => [], { failures: [throttled, throttled, throttled] });
    const poller = new StackEventPoller({
      client: client as never,
      stack: 't1',
      startTime: at(0),
      maxThrottleRetries: 2,
      sleep: async () => {},
    });
    await expect(poller.poll()).rejects.toThrow('Rate exceeded');
  });

  it('does not retry other errors', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    const client = fakeClient(() => [], { failures: [denied] });
    const poller = new StackEventPoller({
      client: client as never,
      stack: 't1',
      startTime: at(0),
      sleep: async () => {},
    });
    await expect(poller.poll()).rejects.toThrow('not authorized');
    expect(client.calls).toHaveLength(1);
  });
});
