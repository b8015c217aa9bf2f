// TumblingWindowInSeconds: windowed events, state carried between invocations, final invocations, the 1 MB state limit.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShardRecord } from '../../../src/local/mapping/kinesis-event.js';
import {
  readWindowResponse,
  splitByWindow,
  windowEvent,
  windowOf,
} from '../../../src/local/mapping/tumbling-window.js';
import {
  createStream,
  fn,
  type Invocation,
  mapping,
  put,
  readLines,
  useRunnerFixtures,
  waitFor,
} from '../../helpers/mapping-harness.js';

const DOC = 'https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html';

function shardRecord(sequenceNumber: string, arrivalMs: number): ShardRecord {
  return { sequenceNumber, partitionKey: 'pk', data: '', arrivalMs, eventBytes: 500 };
}

interface WindowedInvocation extends Invocation {
  window: { start: string; end: string };
  stateCount?: number;
  stateBytes: number;
  eventShardId: string;
  eventSourceARN: string;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
}

describe(`tumbling windows, pure pieces (${DOC})`, () => {
  it('aligns windows to multiples of their length and never lets a run span two windows', () => {
    // Act
    const window = windowOf(Date.UTC(2020, 11, 9, 7, 5, 17, 250), 120);
    const runs = splitByWindow(
      [shardRecord('1', 1_000), shardRecord('2', 1_999), shardRecord('3', 2_000), shardRecord('4', 3_500)],
      1,
    );

    // Assess: the documented example's window for a 120 s length is 07:04:00–07:06:00.
    expect(window).toEqual({ startMs: Date.UTC(2020, 11, 9, 7, 4), endMs: Date.UTC(2020, 11, 9, 7, 6) });
    expect(runs.map((run) => [run.window.startMs, run.records.map((r) => r.sequenceNumber)])).toEqual([
      [1_000, ['1', '2']],
      [2_000, ['3']],
      [3_000, ['4']],
    ]);
  });

  it('builds the documented event shape and requires a state in the response', () => {
    // Act
    const identity = {
      shardId: 'shardId-000000000006',
      streamArn: 'arn:s',
      region: 'us-east-1',
      invokeIdentityArn: 'arn:r',
    };
    const event = windowEvent(
      [],
      identity,
      windowOf(Date.UTC(2020, 11, 9, 7, 5), 120),
      { 1: 282 },
      {
        isFinalInvokeForWindow: true,
        isWindowTerminatedEarly: false,
      },
    );

    // Assess
    expect(event).toEqual({
      Records: [],
      window: { start: '2020-12-09T07:04:00Z', end: '2020-12-09T07:06:00Z' },
      state: { 1: 282 },
      shardId: 'shardId-000000000006',
      eventSourceARN: 'arn:s',
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
    });
    expect(readWindowResponse({ state: { a: 1 }, batchItemFailures: [] })).toEqual({
      ok: true,
      state: { a: 1 },
      overLimit: false,
    });
    expect(readWindowResponse({ batchItemFailures: [] })).toMatchObject({ ok: false });
    expect(readWindowResponse(null)).toMatchObject({ ok: false });
    expect(readWindowResponse({ state: 'x'.repeat(1024 * 1024) })).toMatchObject({ ok: true, overLimit: true });
  });
});

const fx = useRunnerFixtures();

function windowed(file: string): WindowedInvocation[] {
  return readLines<WindowedInvocation>(file);
}

describe(`TumblingWindowInSeconds (${DOC})`, () => {
  it('passes the returned state to the next invocation of the window, then makes a final invocation after it ends', async () => {
    // Prepare: 5 records in batches of 2, 2 s windows.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(
      kinesis,
      stream.streamName,
      ['a', 'b', 'c', 'd', 'e'].map((data) => ({ data })),
    );
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 2, tumblingWindowInSeconds: 2 }),
      fn: fn('window-aggregator.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[4], 15_000, 'the window checkpointed');

    // Assess: per window, each invocation got the count the previous one returned, and the final
    // invocation (empty Records, after the window's end) got the window's total.
    const lines = windowed(fx.ws.recordFile);
    const windows = [...new Set(lines.map((line) => line.window.start))];
    let total = 0;
    for (const start of windows) {
      const inWindow = lines.filter((line) => line.window.start === start);
      const final = inWindow.at(-1) as WindowedInvocation;
      let count = 0;
      for (const line of inWindow.slice(0, -1)) {
        expect(line.stateCount ?? 0).toBe(count);
        expect(line.isFinalInvokeForWindow).toBe(false);
        count += line.data.length;
      }
      expect(final).toMatchObject({ data: [], isFinalInvokeForWindow: true, isWindowTerminatedEarly: false });
      expect(final.stateCount).toBe(count);
      expect(final.at).toBeGreaterThanOrEqual(Date.parse(final.window.end));
      expect(Date.parse(final.window.end) - Date.parse(start)).toBe(2_000);
      total += count;
    }
    expect(total).toBe(5);
    expect(lines[0]).toMatchObject({ eventShardId: 'shardId-000000000000', eventSourceARN: stream.streamArn });
  });

  it('checkpoints a window only after its final invocation: a restart replays the unfinished window', async () => {
    // Prepare: 900 s windows, records put at least 10 s before a window boundary.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    await waitFor(() => 900_000 - (Date.now() % 900_000) > 10_000, 11_000, 'a window with 10 s left');
    await put(
      kinesis,
      stream.streamName,
      ['a', 'b', 'c'].map((data) => ({ data })),
    );
    const options = {
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 10, tumblingWindowInSeconds: 900 }),
      fn: fn('window-aggregator.mjs', { RECORD_FILE: fx.ws.recordFile }),
    };
    const first = fx.ws.runner(options);

    // Act: the window's records are processed, the runner stops before the window ends, and a
    // new runner starts on the same checkpoints.
    await first.start();
    await waitFor(() => first.stats().shards[0]?.records === 3);
    const checkpointBefore = first.stats().shards[0]?.checkpoint;
    await first.stop();
    const second = fx.ws.runner(options);
    await second.start();
    await waitFor(() => second.stats().shards[0]?.records === 3);

    // Assess: nothing was checkpointed, and the window was delivered again from an empty state.
    expect(checkpointBefore).toBeUndefined();
    const lines = windowed(fx.ws.recordFile);
    expect(lines.map((line) => [line.data, line.stateCount, line.isFinalInvokeForWindow])).toEqual([
      [['a', 'b', 'c'], undefined, false],
      [['a', 'b', 'c'], undefined, false],
    ]);
  });

  it('treats a response without state as a failed invocation and retries with the state before it', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, [{ data: 'a' }, { data: 'nostate' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 1, tumblingWindowInSeconds: 1, maximumRetryAttempts: 2 }),
      fn: fn('window-aggregator.mjs', { RECORD_FILE: fx.ws.recordFile, STATE_FILE: join(fx.ws.dir, 'once') }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[1], 15_000, 'both records checkpointed');

    // Assess: 'nostate' delivered twice, the retry with the same state as the failed attempt.
    const deliveries = windowed(fx.ws.recordFile).filter((line) => line.data.includes('nostate'));
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]?.stateCount).toBe(deliveries[0]?.stateCount);
    expect(runner.stats().shards[0]).toMatchObject({ functionErrors: 1, retries: 1 });
    expect(fx.ws.logs).toContainEqual(
      expect.objectContaining({ event: 'function-error', errorType: 'InvalidResponse' }),
    );
  });

  it('ends the window early when the state passes 1 MB, and continues it with a fresh state', async () => {
    // Prepare: one record per invocation; the second returns a state over 1 MB.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, [{ data: 'a' }, { data: 'big' }, { data: 'c' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 1, tumblingWindowInSeconds: 3 }),
      fn: fn('window-aggregator.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[2], 15_000, 'all records checkpointed');

    // Assess: right after 'big', a final invocation flagged terminated early carries the big
    // state; 'c' starts over from an empty state in the same window.
    const lines = windowed(fx.ws.recordFile);
    const big = lines.findIndex((line) => line.data.includes('big'));
    const early = lines[big + 1];
    expect(early).toMatchObject({ data: [], isFinalInvokeForWindow: true, isWindowTerminatedEarly: true });
    expect(early?.stateBytes).toBeGreaterThan(1024 * 1024);
    // (All three were put in one call, so they share a window.)
    const c = lines[big + 2];
    expect(c).toMatchObject({ data: ['c'], window: early?.window, isFinalInvokeForWindow: false });
    expect(c?.stateCount).toBeUndefined();
    expect(lines[big + 3]).toMatchObject({
      data: [],
      stateCount: 1,
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
    });
    expect(fx.ws.logs).toContainEqual(expect.objectContaining({ event: 'window-terminated-early' }));
  });
});
