// The mapping runner's lifecycle: checkpoints across restarts, stopping with a grace period, updates, disabling.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createStream,
  fn,
  mapping,
  put,
  readLines,
  records,
  sleep,
  useRunnerFixtures,
  waitFor,
} from '../../helpers/mapping-harness.js';

const fx = useRunnerFixtures();

const delivered = (file: string) => readLines(file).flatMap((line) => line.data);

describe('mapping runner lifecycle', () => {
  it('persists the checkpoint atomically and resumes after it on restart: no replay, no loss', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const first = await put(kinesis, stream.streamName, records(5, 'a'));
    const options = {
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 2 }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    };
    const runner = fx.ws.runner(options);
    await runner.start();
    await waitFor(() => runner.stats().shards[0]?.checkpoint === first[4]);
    await runner.stop();
    const [firstPid] = readLines(fx.ws.recordFile).map((line) => line.pid);
    expect(() => process.kill(firstPid ?? 0, 0)).toThrow(/ESRCH/);

    // Act: records arrive while the engine is down, then a new runner on the same state.
    await put(kinesis, stream.streamName, records(3, 'b'));
    const restarted = fx.ws.runner(options);
    await restarted.start();
    await waitFor(() => delivered(fx.ws.recordFile).length >= 8);
    await sleep(200);

    // Assess
    expect(delivered(fx.ws.recordFile)).toEqual([...records(5, 'a'), ...records(3, 'b')].map((r) => r.data));
    const file = JSON.parse(readFileSync(join(fx.ws.stateDir, 'checkpoints.json'), 'utf8'));
    expect(file).toMatchObject({
      version: 1,
      streamArn: stream.streamArn,
      shards: { 'shardId-000000000000': { sequenceNumber: expect.any(String) } },
    });
    expect(readdirSync(fx.ws.stateDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('abandons an in-flight batch after the grace period without checkpointing it, and redelivers it after restart', async () => {
    // Prepare: a 3 s handler, a 0.2 s grace period.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, records(3));
    const slow = fn('slow.mjs', { RECORD_FILE: fx.ws.recordFile, DELAY_MS: '3000' }, { timeoutSeconds: 10 });
    const runner = fx.ws.runner({ kinesis, ...stream, fn: slow });
    await runner.start();
    await waitFor(() => readLines(fx.ws.recordFile).length === 1);

    // Act
    const stopping = Date.now();
    await runner.stop({ graceMs: 200 });
    const stopMs = Date.now() - stopping;
    const restarted = fx.ws.runner({
      kinesis,
      ...stream,
      fn: { ...slow, environment: { ...slow.environment, DELAY_MS: '0' } },
    });
    await restarted.start();
    await waitFor(() => restarted.stats().shards[0]?.checkpoint === sequence[2]);

    // Assess: the stop took the grace period, not the 3 s; the batch came again, whole.
    expect(stopMs).toBeLessThan(2_000);
    expect(runner.stats().shards[0]?.checkpoint).toBeUndefined();
    const lines = readLines(fx.ws.recordFile);
    expect(lines.map((line) => [line.phase, line.data])).toEqual([
      ['start', ['r0', 'r1', 'r2']],
      ['start', ['r0', 'r1', 'r2']],
      ['end', ['r0', 'r1', 'r2']],
    ]);
    expect(fx.ws.logs).toContainEqual(expect.objectContaining({ event: 'in-flight-abandoned' }));
  });

  it('lets an in-flight batch finish and checkpoints it when it ends within the grace period', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, records(2));
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      fn: fn('slow.mjs', { RECORD_FILE: fx.ws.recordFile, DELAY_MS: '500' }),
    });
    await runner.start();
    await waitFor(() => readLines(fx.ws.recordFile).length === 1);

    // Act
    await runner.stop({ graceMs: 3_000 });

    // Assess
    expect(readLines(fx.ws.recordFile).map((line) => line.phase)).toEqual(['start', 'end']);
    const file = JSON.parse(readFileSync(join(fx.ws.stateDir, 'checkpoints.json'), 'utf8'));
    expect(file.shards['shardId-000000000000'].sequenceNumber).toBe(sequence[1]);
    expect(runner.stats().state).toBe('stopped');
  });

  it('keeps records read from LATEST but not yet processed across a restart', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const slow = fn('slow.mjs', { RECORD_FILE: fx.ws.recordFile, DELAY_MS: '3000' }, { timeoutSeconds: 10 });
    const runner = fx.ws.runner({ kinesis, ...stream, mapping: mapping({ startingPosition: 'LATEST' }), fn: slow });
    await runner.start();
    await sleep(200);
    await put(kinesis, stream.streamName, records(2, 'l'));
    await waitFor(() => readLines(fx.ws.recordFile).length === 1);

    // Act: abandon, then restart with LATEST again.
    await runner.stop({ graceMs: 0 });
    const restarted = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ startingPosition: 'LATEST' }),
      fn: { ...slow, environment: { ...slow.environment, DELAY_MS: '0' } },
    });
    await restarted.start();
    await waitFor(() => readLines(fx.ws.recordFile).filter((line) => line.phase === 'end').length === 1);

    // Assess: LATEST applies once; the unprocessed records were not skipped.
    expect(readLines(fx.ws.recordFile).at(-1)?.data).toEqual(['l0', 'l1']);
  });

  it('update() swaps the function between batches and applies new mapping settings', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 100 }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });
    await runner.start();
    await put(kinesis, stream.streamName, records(4, 'v1-'));
    await waitFor(() => delivered(fx.ws.recordFile).length === 4);

    // Act
    await runner.update({
      fn: fn('recorder-v2.mjs', { RECORD_FILE: fx.ws.recordFile, TAG: 'blue' }),
      mapping: mapping({ batchSize: 2 }),
    });
    await put(kinesis, stream.streamName, records(4, 'v2-'));
    await waitFor(() => delivered(fx.ws.recordFile).length === 8);

    // Assess
    const lines = readLines(fx.ws.recordFile);
    expect(lines[0]).toMatchObject({ handler: 'recorder', data: ['v1-0', 'v1-1', 'v1-2', 'v1-3'] });
    expect(lines.slice(1).map((line) => [line.handler, line.tag, line.data])).toEqual([
      ['v2', 'blue', ['v2-0', 'v2-1']],
      ['v2', 'blue', ['v2-2', 'v2-3']],
    ]);
    expect(lines[1]?.pid).not.toBe(lines[0]?.pid);
  });

  it('pauses while disabled and resumes from the checkpoint when enabled again', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ enabled: false }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });
    await runner.start();
    await put(kinesis, stream.streamName, records(2));
    await sleep(300);
    expect(readLines(fx.ws.recordFile)).toEqual([]);

    // Act
    await runner.update({ mapping: mapping({ enabled: true }) });
    await waitFor(() => delivered(fx.ws.recordFile).length === 2);

    // Assess
    expect(delivered(fx.ws.recordFile)).toEqual(['r0', 'r1']);
    expect(runner.stats().state).toBe('running');
  });

  it('rejects settings outside the ranges AWS accepts', () => {
    expect(() =>
      fx.ws.runner({
        kinesis: fx.emulator.kinesis,
        streamName: 's',
        streamArn: 'arn',
        mapping: mapping({ batchSize: 0 }),
        fn: fn('recorder.mjs'),
      }),
    ).toThrow(/BatchSize 0/);
    expect(() =>
      fx.ws.runner({
        kinesis: fx.emulator.kinesis,
        streamName: 's',
        streamArn: 'arn',
        mapping: mapping({ maximumRecordAgeInSeconds: 30 }),
        fn: fn('recorder.mjs'),
      }),
    ).toThrow(/MaximumRecordAgeInSeconds 30/);
  });
});
