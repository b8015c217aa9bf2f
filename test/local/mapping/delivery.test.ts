// The mapping runner delivers in order, in batches, in the event shape and environment Lambda gives.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createStream,
  fn,
  HANDLERS,
  mapping,
  put,
  readLines,
  records,
  sleep,
  useRunnerFixtures,
  waitFor,
} from '../../helpers/mapping-harness.js';

const fx = useRunnerFixtures();

describe('mapping runner delivery', () => {
  it('keeps per-shard order across partition keys while shards run in parallel', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 2);
    const sent = [
      ...records(30, 'a', { shard: 0, partitionKey: 'alice' }),
      ...records(30, 'b', { shard: 0, partitionKey: 'bob' }),
      ...records(30, 'c', { shard: 1, partitionKey: 'carol' }),
    ];
    const sequence = await put(kinesis, stream.streamName, sent, 2);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 7 }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    const invocations = await waitFor(() => {
      const lines = readLines(fx.ws.recordFile);
      return lines.flatMap((line) => line.data).length >= 90 && lines;
    });

    await waitFor(() => runner.stats().shards.reduce((sum, shard) => sum + shard.records, 0) === 90);

    // Assess: each shard saw its records exactly once, in put order, in batches of at most 7.
    const shard0 = invocations.filter((i) => i.shardId === 'shardId-000000000000').flatMap((i) => i.data);
    const shard1 = invocations.filter((i) => i.shardId === 'shardId-000000000001').flatMap((i) => i.data);
    expect(shard0).toEqual([...records(30, 'a'), ...records(30, 'b')].map((r) => r.data));
    expect(shard1).toEqual(records(30, 'c').map((r) => r.data));
    expect(Math.max(...invocations.map((i) => i.data.length))).toBe(7);
    expect(new Set(invocations.map((i) => i.pid)).size).toBe(2);
    const stats = runner.stats();
    expect(stats.shards.map((s) => [s.shardId, s.records, s.checkpoint])).toEqual([
      ['shardId-000000000000', 60, sequence[59]],
      ['shardId-000000000001', 30, sequence[89]],
    ]);
    expect(stats.shards.every((s) => s.lagMs === 0)).toBe(true);
  });

  it('passes the event in exactly the shape Lambda sends, with Lambda environment and context', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const echoFile = join(fx.ws.dir, 'echo.json');
    const before = Date.now();
    const [sequenceNumber] = await put(kinesis, stream.streamName, [{ data: 'héllo 🐦', partitionKey: 'user-42' }]);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      fn: fn(
        'recorder.mjs',
        { RECORD_FILE: fx.ws.recordFile, ECHO_FILE: echoFile, TABLE_NAME: 'EventData', LOG_LEVEL: 'debug' },
        { functionName: 'demo-EventProcessor', memoryMb: 256, region: 'eu-west-1', timeoutSeconds: 5 },
      ),
    });

    // Act
    await runner.start();
    await waitFor(() => readLines(fx.ws.recordFile).length === 1);
    await waitFor(() => fx.ws.functionLines.some((line) => line.startsWith('REPORT RequestId')));

    // Assess
    const echo = JSON.parse(readFileSync(echoFile, 'utf8'));
    const record = echo.event.Records[0];
    expect(Object.keys(echo.event)).toEqual(['Records']);
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'user-42',
        sequenceNumber,
        data: Buffer.from('héllo 🐦').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/demo-EventProcessor-role',
      awsRegion: 'eu-west-1',
      eventSourceARN: stream.streamArn,
    });
    // Epoch seconds, not milliseconds.
    expect(record.kinesis.approximateArrivalTimestamp).toBeGreaterThan(before / 1000 - 5);
    expect(record.kinesis.approximateArrivalTimestamp).toBeLessThan(Date.now() / 1000 + 1);
    expect(echo.env).toMatchObject({
      TABLE_NAME: 'EventData',
      LOG_LEVEL: 'debug',
      AWS_LAMBDA_FUNCTION_NAME: 'demo-EventProcessor',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: expect.stringMatching(/^AWS_Lambda_nodejs/),
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/demo-EventProcessor',
      AWS_LAMBDA_LOG_STREAM_NAME: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
      LAMBDA_TASK_ROOT: HANDLERS,
      TZ: ':UTC',
      AWS_ACCESS_KEY_ID: expect.any(String),
      AWS_SECRET_ACCESS_KEY: expect.any(String),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(echo.env.STREAMPROC_DATA_DIR).toBeUndefined();
    expect(echo.timezoneOffset).toBe(0);
    expect(echo.context).toMatchObject({
      functionName: 'demo-EventProcessor',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:demo-EventProcessor',
      memoryLimitInMB: '256',
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      logGroupName: '/aws/lambda/demo-EventProcessor',
      logStreamName: echo.env.AWS_LAMBDA_LOG_STREAM_NAME,
    });
    expect(echo.context.remainingTimeInMillis).toBeGreaterThan(3_000);
    expect(echo.context.remainingTimeInMillis).toBeLessThanOrEqual(5_000);
    // console.log is forwarded line by line in Lambda's text format.
    expect(fx.ws.functionLines).toContainEqual(
      expect.stringMatching(new RegExp(`\\t${echo.context.awsRequestId}\\tINFO\\tprocessed 1 records$`)),
    );
  });

  it('gathers up to the batching window before invoking', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 50, maximumBatchingWindowInSeconds: 1 }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });
    await runner.start();

    // Act: three puts spread over ~400 ms, well inside the 1 s window.
    const started = Date.now();
    for (const chunk of ['x', 'y', 'z']) {
      await put(kinesis, stream.streamName, records(3, chunk));
      await sleep(200);
    }
    const [invocation] = await waitFor(() => readLines(fx.ws.recordFile).length > 0 && readLines(fx.ws.recordFile));

    // Assess: one batch of all nine, invoked only once the window elapsed.
    expect(invocation?.data).toHaveLength(9);
    expect((invocation?.at ?? 0) - started).toBeGreaterThanOrEqual(900);
  });

  it('invokes as soon as the batch is full, before the window elapses', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    await put(kinesis, stream.streamName, records(25));
    const runner = fx.ws.runner({
      kinesis,
      ...stream,
      mapping: mapping({ batchSize: 10, maximumBatchingWindowInSeconds: 30 }),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });

    // Act
    await runner.start();
    const lines = await waitFor(() => readLines(fx.ws.recordFile).length >= 2 && readLines(fx.ws.recordFile), 5_000);

    // Assess: two full batches without waiting 30 s; the remaining 5 wait for the window.
    expect(lines.slice(0, 2).map((line) => line.data.length)).toEqual([10, 10]);
    await sleep(300);
    expect(readLines(fx.ws.recordFile)).toHaveLength(2);
  });

  it('starts a shard without checkpoint at TRIM_HORIZON or at LATEST', async () => {
    // Prepare
    const { kinesis } = fx.emulator;
    const stream = await createStream(kinesis, 1);
    await put(kinesis, stream.streamName, records(3, 'old'));
    const latestFile = join(fx.ws.dir, 'latest.jsonl');
    const fromStart = fx.ws.runner({
      kinesis,
      ...stream,
      stateDir: join(fx.ws.dir, 'trim'),
      fn: fn('recorder.mjs', { RECORD_FILE: fx.ws.recordFile }),
    });
    const fromLatest = fx.ws.runner({
      kinesis,
      ...stream,
      stateDir: join(fx.ws.dir, 'latest'),
      mapping: mapping({ startingPosition: 'LATEST' }),
      fn: fn('recorder.mjs', { RECORD_FILE: latestFile }),
    });

    // Act
    await fromStart.start();
    await fromLatest.start();
    await sleep(300);
    await put(kinesis, stream.streamName, records(2, 'new'));
    await waitFor(() => readLines(latestFile).flatMap((l) => l.data).length >= 2);
    await waitFor(() => readLines(fx.ws.recordFile).flatMap((l) => l.data).length >= 5);

    // Assess
    expect(readLines(fx.ws.recordFile).flatMap((l) => l.data)).toEqual(['old0', 'old1', 'old2', 'new0', 'new1']);
    expect(readLines(latestFile).flatMap((l) => l.data)).toEqual(['new0', 'new1']);
  });
});
