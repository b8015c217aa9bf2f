// The mapping runner's error handling: partial failures, bisecting, retries, on-failure destination, timeouts.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OnFailureRecord } from '../../../src/local/mapping/failure-destination.js';
import {
  createStream,
  fn,
  mapping,
  put,
  readLines,
  records,
  sleep,
  useRunnerFixtures,
  type Workspace,
  waitFor,
} from '../../helpers/mapping-harness.js';

const fx = useRunnerFixtures();

const failuresOf = (w: Workspace) => readLines<OnFailureRecord>(join(w.stateDir, 'failures.jsonl'));

describe('mapping runner error handling', () => {
  it('checkpoints before the lowest failed item of a partial batch response and retries from it', async () => {
    // Prepare: r3 and r6 fail on the first invocation only.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sent = records(8).map((r, i) => (i === 3 || i === 6 ? { data: `${r.data}-fail` } : r));
    const sequence = await put(kinesis, stream.streamName, sent);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 8, functionResponseTypes: ['ReportBatchItemFailures'] }),
      fn: fn('partial-failure.mjs', {
        RECORD_FILE: fx.ws.recordFile,
        STATE_FILE: join(fx.ws.dir, 'count'),
        FAILURES: '1',
      }),
    });

    // Act
    await runner.start();
    await waitFor(() => readLines(fx.ws.recordFile).length >= 2);
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[7]);

    // Assess: the retry starts at r3 (the lowest failed), not at r6 and not at r0.
    expect(readLines(fx.ws.recordFile).map((line) => line.sequenceNumbers)).toEqual([sequence, sequence.slice(3)]);
    // The rest after a partial failure is a new attempt, not a retry (see the AWS recording below).
    expect(runner.stats().shards[0]).toMatchObject({ partialFailures: 1, retries: 0, records: 8, functionErrors: 0 });
  });

  it('gives the rest of a partially failed batch a fresh retry budget, as recorded against AWS', async () => {
    // Prepare: the AWS recording (AWS-validated ESM snapshots another emulator keeps): batch size
    // 3, records 0-5, only record 5 reported failed, every time, MaximumRetryAttempts 3.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sent = records(6).map((r, i) => (i === 5 ? { data: `${r.data}-fail` } : r));
    const sequence = await put(kinesis, stream.streamName, sent);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 3, maximumRetryAttempts: 3, functionResponseTypes: ['ReportBatchItemFailures'] }),
      fn: fn('partial-failure.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => failuresOf(fx.ws).length === 1);

    // Assess: record 5 is delivered in its batch, then four times alone; the on-failure record
    // counts the four, and says functionError null (a reported failure, not an exception).
    const deliveries = readLines(fx.ws.recordFile).filter((line) =>
      line.sequenceNumbers.includes(sequence[5] as string),
    );
    expect(deliveries.map((line) => line.sequenceNumbers.length)).toEqual([3, 1, 1, 1, 1]);
    const [failure] = failuresOf(fx.ws);
    expect(failure?.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 });
    expect(failure?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: null });
    expect(failure?.KinesisBatchInfo).toMatchObject({ startSequenceNumber: sequence[5], batchSize: 1 });
  });

  it('ignores a partial batch response when ReportBatchItemFailures is off', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, [{ data: 'ok' }, { data: 'fail' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      fn: fn('partial-failure.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[1]);
    await sleep(200);

    // Assess
    expect(readLines(fx.ws.recordFile)).toHaveLength(1);
  });

  it.each([['empty-id'], ['unknown-id']])(
    'treats a %s item identifier as a failure of the whole batch',
    async (response) => {
      // Prepare
      const { kinesis } = fx.emulator;
      const stream = await createStream(kinesis, 1);
      const sequence = await put(kinesis, stream.streamName, records(3));
      const runner = fx.ws.runner({
        kinesis,
        ...stream,
        mapping: mapping({ functionResponseTypes: ['ReportBatchItemFailures'], maximumRetryAttempts: 1 }),
        fn: fn('partial-failure.mjs', { RECORD_FILE: fx.ws.recordFile, RESPONSE: response }),
      });

      // Act
      await runner.start();
      await waitFor(() => failuresOf(fx.ws).length === 1);

      // Assess: the whole batch, twice (first try + 1 retry), then discarded as a whole.
      expect(readLines(fx.ws.recordFile).map((line) => line.sequenceNumbers)).toEqual([sequence, sequence]);
      expect(failuresOf(fx.ws)[0]?.KinesisBatchInfo).toMatchObject({
        startSequenceNumber: sequence[0],
        endSequenceNumber: sequence[2],
        batchSize: 3,
      });
    },
  );

  it('bisects a failing batch down to the poison record without consuming retries', async () => {
    // Prepare: 8 records, r2 is poison; retries 0 so the poison record is discarded at once.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sent = records(8).map((r, i) => (i === 2 ? { data: 'r2-poison' } : r));
    const sequence = await put(kinesis, stream.streamName, sent);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 }),
      fn: fn('fail-on-marker.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[7]);

    // Assess: 8 → 4+4 → 2+2 → 1+1, every split in order, the clean halves succeeding.
    const sizes = readLines(fx.ws.recordFile).map((line) => line.data);
    expect(sizes).toEqual([
      sent.map((r) => r.data),
      ['r0', 'r1', 'r2-poison', 'r3'],
      ['r0', 'r1'],
      ['r2-poison', 'r3'],
      ['r2-poison'],
      ['r3'],
      ['r4', 'r5', 'r6', 'r7'],
    ]);
    const failures = failuresOf(fx.ws);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: sequence[2],
      endSequenceNumber: sequence[2],
      batchSize: 1,
    });
    expect(failures[0]?.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(runner.stats().shards[0]).toMatchObject({ bisects: 3, retries: 0, records: 7, sentToFailureDestination: 1 });
  });

  it('sends an exhausted batch to the failure file in the AWS on-failure shape and keeps the shard flowing', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, [{ data: 'a' }, { data: 'b-poison' }, { data: 'c' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 3, maximumRetryAttempts: 2 }),
      fn: fn('fail-on-marker.mjs', { RECORD_FILE: fx.ws.recordFile }, { functionName: 'demo-EventProcessor' }),
    });

    // Act
    await runner.start();
    await waitFor(() => failuresOf(fx.ws).length === 1);
    const after = await put(kinesis, stream.streamName, [{ data: 'd' }]);
    await waitFor(() => runner.stats().shards[0]?.checkpoint === after[0]);

    // Assess: 1 try + 2 retries, then the metadata, then later records still flow.
    const invocations = readLines(fx.ws.recordFile);
    expect(invocations.map((line) => line.data)).toEqual([
      ['a', 'b-poison', 'c'],
      ['a', 'b-poison', 'c'],
      ['a', 'b-poison', 'c'],
      ['d'],
    ]);
    const [failure] = failuresOf(fx.ws);
    expect(failure).toEqual({
      requestContext: {
        requestId: invocations[2]?.requestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:demo-EventProcessor',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: sequence[0],
        endSequenceNumber: sequence[2],
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 3,
        streamArn: stream.streamArn,
      },
    });
    expect(runner.stats().shards[0]).toMatchObject({ functionErrors: 3, retries: 2, sentToFailureDestination: 1 });
  });

  it('discards records older than MaximumRecordAgeInSeconds instead of retrying them forever', async () => {
    // Prepare: a handler that always fails and a clock the test moves forward.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    let offsetMs = 0;
    const sequence = await put(kinesis, stream.streamName, records(2));
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      now: () => Date.now() + offsetMs,
      mapping: mapping({ maximumRecordAgeInSeconds: 60, maximumRetryAttempts: -1 }),
      fn: fn('throws-always.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => readLines(fx.ws.recordFile).length >= 2);
    offsetMs = 61_000;
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[1]);
    offsetMs = 0;
    await put(kinesis, stream.streamName, [{ data: 'fresh' }]);
    await waitFor(() => readLines(fx.ws.recordFile).some((line) => line.data.includes('fresh')));

    // Assess
    const [failure] = failuresOf(fx.ws);
    expect(failure?.requestContext.condition).toBe('RecordAgeExceeded');
    expect(failure?.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(2);
    // AWS writes no responseContext for records discarded for their age.
    expect(failure).not.toHaveProperty('responseContext');
    expect(failure?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: sequence[0],
      endSequenceNumber: sequence[1],
    });
    expect(failuresOf(fx.ws)).toHaveLength(1);
  });

  it('times out a hung handler, replaces its environment, and keeps processing', async () => {
    // Prepare: the first batch sleeps 30 s against a 1 s timeout, once.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, [{ data: 'sleep' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ maximumRetryAttempts: 3 }),
      fn: fn(
        'sleeps.mjs',
        { RECORD_FILE: fx.ws.recordFile, STATE_FILE: join(fx.ws.dir, 'slept'), SLEEPS: '1', SLEEP_MS: '30000' },
        { timeoutSeconds: 1 },
      ),
    });

    // Act
    const started = Date.now();
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[0], 8_000);
    const next = await put(kinesis, stream.streamName, [{ data: 'next' }]);
    await waitFor(() => runner.stats().shards[0]?.checkpoint === next[0]);

    // Assess: killed after ~1 s, retried in a fresh process, then back to normal.
    const lines = readLines(fx.ws.recordFile);
    expect(lines.map((line) => line.data)).toEqual([['sleep'], ['sleep'], ['next']]);
    expect(lines[1]?.pid).not.toBe(lines[0]?.pid);
    expect(lines[2]?.pid).toBe(lines[1]?.pid);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(fx.ws.logs).toContainEqual(
      expect.objectContaining({ event: 'function-error', errorType: 'Sandbox.Timedout' }),
    );
    expect(fx.ws.functionLines).toContainEqual(expect.stringMatching(/Task timed out after 1\.00 seconds$/));
  });

  it('counts a crashed environment as a function error and retries in a fresh one', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, [{ data: 'crash' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      fn: fn('crashes.mjs', { RECORD_FILE: fx.ws.recordFile, STATE_FILE: join(fx.ws.dir, 'crashed') }),
    });

    // Act
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === sequence[0]);

    // Assess
    const lines = readLines(fx.ws.recordFile);
    expect(lines).toHaveLength(2);
    expect(lines[1]?.pid).not.toBe(lines[0]?.pid);
    expect(fx.ws.logs).toContainEqual(
      expect.objectContaining({
        event: 'function-error',
        errorType: 'Runtime.ExitError',
        errorMessage: expect.stringContaining('exit status 3'),
      }),
    );
  });

  it('reports an unloadable bundle as a function error without stopping the engine', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    await put(kinesis, stream.streamName, [{ data: 'x' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ maximumRetryAttempts: 0 }),
      fn: fn('does-not-exist.mjs'),
    });

    // Act
    await runner.start();
    await waitFor(() => failuresOf(fx.ws).length === 1);

    // Assess
    expect(fx.ws.logs).toContainEqual(
      expect.objectContaining({ event: 'function-error', errorType: 'Runtime.ImportModuleError' }),
    );
  });
});
