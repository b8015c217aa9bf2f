// The mapping runner's FilterCriteria, AT_TIMESTAMP and Enabled, driven through its public surface.
import { describe, expect, it } from 'vitest';
import {
  createStream,
  fn,
  mapping,
  put,
  readLines,
  type TestRecord,
  useRunnerFixtures,
  waitFor,
} from '../../helpers/mapping-harness.js';

const fx = useRunnerFixtures();
const delivered = (file: string) => readLines(file).flatMap((line) => line.data);
const tweet = (lang: string, id: number): TestRecord => ({ data: JSON.stringify({ id, lang }) });
const checkpointOf = (stats: { shards: { checkpoint?: string }[] }) => stats.shards[0]?.checkpoint;

describe('mapping runner FilterCriteria (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)', () => {
  it('delivers only matching records; the rest are dropped, counted and checkpointed past', async () => {
    // Prepare: English, French, non-JSON, English, French (last).
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sequence = await put(kinesis, stream.streamName, [
      tweet('en', 1),
      tweet('fr', 2),
      { data: 'not json' },
      tweet('en', 4),
      tweet('fr', 5),
    ]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ filterPatterns: [JSON.stringify({ data: { lang: ['en'] } })] }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => checkpointOf(runner.stats()) === sequence[4], 10_000, 'the checkpoint past the last record');

    // Assess: "If none of your filters are satisfied, Lambda discards the record."
    expect(delivered(fx.ws.recordFile).map((data) => JSON.parse(data).id)).toEqual([1, 4]);
    const [shard] = runner.stats().shards;
    expect(shard).toMatchObject({ records: 2, filtered: 3, invocations: 1, lagMs: 0 });
  });

  it('a stretch of only filtered records invokes nothing but still moves the checkpoint', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ filterPatterns: [JSON.stringify({ data: { lang: ['en'] } })] }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });
    await runner.start();

    // Act
    const sequence = await put(kinesis, stream.streamName, [tweet('de', 1), tweet('fr', 2), tweet('es', 3)]);
    await waitFor(() => checkpointOf(runner.stats()) === sequence[2], 10_000, 'the checkpoint to move');

    // Assess
    expect(readLines(fx.ws.recordFile)).toEqual([]);
    expect(runner.stats().shards[0]).toMatchObject({ invocations: 0, batches: 0, records: 0, filtered: 3 });
  });

  it('gathers batches of matching records only (BatchSize counts what is delivered), any filter may match', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const sent = [
      tweet('en', 0),
      tweet('fr', 1),
      tweet('de', 2),
      tweet('es', 3),
      tweet('en', 4),
      tweet('de', 5),
      tweet('fr', 6),
    ];
    const sequence = await put(kinesis, stream.streamName, sent);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({
        batchSize: 2,
        // A window lets the batch fill up across reads (each read takes at most what the batch lacks).
        maximumBatchingWindowInSeconds: 5,
        filterPatterns: [JSON.stringify({ data: { lang: ['en'] } }), JSON.stringify({ data: { lang: ['de'] } })],
      }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => checkpointOf(runner.stats()) === sequence[6], 10_000, 'the checkpoint past the last record');

    // Assess
    const batches = readLines(fx.ws.recordFile).map((line) => line.data.map((data) => JSON.parse(data).id));
    expect(batches).toEqual([
      [0, 2],
      [4, 5],
    ]);
    expect(runner.stats().shards[0]).toMatchObject({ records: 4, filtered: 3 });
  });

  it('refuses more than 5 filters and invalid patterns, as CreateEventSourceMapping does', () => {
    const base = { kinesis: fx.emulator.kinesis, streamName: 's', streamArn: 'arn', fn: fn('recorder.mjs') };
    const six = Array.from({ length: 6 }, (_, i) => JSON.stringify({ data: { n: [i] } }));
    expect(() => fx.ws.runner({ ...base, mapping: mapping({ filterPatterns: six }) })).toThrow(/6 filters/);
    expect(() => fx.ws.runner({ ...base, mapping: mapping({ filterPatterns: ['{"partitionKey":["a"]}'] }) })).toThrow(
      /"data" key/,
    );
  });
});

describe('mapping runner StartingPosition AT_TIMESTAMP (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html)', () => {
  it('starts a shard without checkpoint at the first record that arrived at or after the timestamp', async () => {
    // Prepare: two records before the time, two after.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    await put(kinesis, stream.streamName, [{ data: 'before-0' }, { data: 'before-1' }]);
    const at = Date.now() + 2;
    await waitFor(() => Date.now() > at + 1, 1_000, 'the clock to pass the timestamp');
    const sequence = await put(kinesis, stream.streamName, [{ data: 'after-0' }, { data: 'after-1' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: at / 1000 }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    await waitFor(() => checkpointOf(runner.stats()) === sequence[1], 10_000, 'the after records');

    // Assess
    expect(delivered(fx.ws.recordFile)).toEqual(['after-0', 'after-1']);
  });

  it('needs StartingPositionTimestamp', () => {
    expect(() =>
      fx.ws.runner({
        kinesis: fx.emulator.kinesis,
        streamName: 's',
        streamArn: 'arn',
        fn: fn('recorder.mjs'),
        mapping: mapping({ startingPosition: 'AT_TIMESTAMP' }),
      }),
    ).toThrow(/needs StartingPositionTimestamp/);
  });
});

describe('mapping runner Enabled (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html)', () => {
  it('a disabled mapping stops polling and resumes from its checkpoint when enabled again', async () => {
    // Prepare: a running mapping that handled two records.
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });
    await runner.start();
    const first = await put(kinesis, stream.streamName, [{ data: 'a0' }, { data: 'a1' }]);
    await waitFor(() => checkpointOf(runner.stats()) === first[1], 10_000, 'the first records');

    // Act: disable, put while disabled, enable.
    await runner.update({ mapping: mapping({ enabled: false }) });
    const stopped = runner.stats();
    const second = await put(kinesis, stream.streamName, [{ data: 'b0' }, { data: 'b1' }]);
    const whileDisabled = delivered(fx.ws.recordFile);
    await runner.update({ mapping: mapping({ enabled: true }) });
    await waitFor(() => checkpointOf(runner.stats()) === second[1], 10_000, 'the records put while disabled');

    // Assess: no poller ran while disabled; nothing redelivered, nothing skipped.
    expect(stopped.state).toBe('disabled');
    expect(stopped.shards.every((shard) => shard.state === 'stopped')).toBe(true);
    expect(whileDisabled).toEqual(['a0', 'a1']);
    expect(delivered(fx.ws.recordFile)).toEqual(['a0', 'a1', 'b0', 'b1']);
    expect(runner.stats().state).toBe('running');
  });
});
