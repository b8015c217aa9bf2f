/**
 * `streamproc status` on the aws target through the built CLI against moto: not deployed, then a
 * deployed stack whose CloudWatch metrics (put by the test, as Kinesis and Lambda would), event
 * source mapping, DLQ and table status reads; failing once batches wait in the DLQ.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/status/status.js';
import { requireBuilt, runCli, tempDirs } from '../helpers/cli.js';
import { type MotoServer, motoEnv, motoUnavailable, startMoto } from '../helpers/moto-server.js';

requireBuilt('dist/src/commands/status.js', 'dist/src/status/aws.js');
const skip = motoUnavailable();
if (skip) console.warn(`skipping the aws status tests: ${skip}`);

describe.skipIf(skip !== undefined)('status on the aws target (built CLI, moto)', () => {
  let moto: MotoServer;
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  let env: NodeJS.ProcessEnv;
  const client = () => ({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });

  async function status(): Promise<StatusReport> {
    const result = await runCli(['status', '--stack', 't1', '--json'], { env, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as StatusReport;
  }

  beforeAll(async () => {
    moto = await startMoto();
    dirs = await tempDirs('streamproc-status-aws-');
    env = dirs.env(motoEnv(moto.endpoint));
    const init = await runCli(['init', '--yes', '--stack', 't1', '--target', 'aws', '--region', 'us-east-1'], { env });
    expect(init.code, init.stderr).toBe(0);
  });

  afterAll(async () => {
    await moto?.stop();
    await dirs?.cleanup();
  });

  it('before deploy: not deployed, exit 0', async () => {
    const result = await runCli(['status', '--stack', 't1'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('t1 (aws): not deployed — stack t1 is not deployed');
    expect(result.stdout).toContain('next: streamproc deploy --stack t1');
  });

  it('deployed: the figures from CloudWatch, the mapping, the DLQ and the table; healthy', async () => {
    const deploy = await runCli(['deploy', '--stack', 't1', '--yes'], { env, timeoutMs: 120_000 });
    expect(deploy.code, deploy.stderr).toBe(0);
    const cloudwatch = new CloudWatchClient(client());
    // Two minutes back: well inside the window, whatever second status asks in.
    const now = new Date(Date.now() - 120_000);
    const fn = [{ Name: 'FunctionName', Value: 't1-DDBEventProcessor' }];
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Kinesis',
        MetricData: [
          {
            MetricName: 'IncomingRecords',
            Dimensions: [{ Name: 'StreamName', Value: 't1-EventStream' }],
            Timestamp: now,
            Value: 450,
          },
        ],
      }),
    );
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Lambda',
        MetricData: [
          { MetricName: 'Invocations', Dimensions: fn, Timestamp: now, Value: 6 },
          { MetricName: 'IteratorAge', Dimensions: fn, Timestamp: now, Value: 1_200 },
        ],
      }),
    );
    cloudwatch.destroy();

    const report = await status();
    expect(report.verdict).toEqual({
      state: 'healthy',
      reason: 'no errors in the last 15m',
      next: 'streamproc browse --stack t1',
    });
    expect(report.stream).toMatchObject({
      name: 't1-EventStream',
      shards: 1,
      retentionHours: 24,
      recordsInPerSecond: 0.5,
      recordsInSource: 'IncomingRecords',
    });
    expect(report.mapping).toMatchObject({
      state: 'Enabled',
      batchSize: 100,
      maximumRetryAttempts: 5,
      maxLagMs: 1_200,
    });
    expect(report.processor).toMatchObject({ name: 't1-DDBEventProcessor', invocations: 6, errors: 0, throttles: 0 });
    expect(report.table).toMatchObject({ name: 't1-EventData', items: 0, itemsApproximate: true, rejectedRecently: 0 });
    expect(report.failureDestination).toMatchObject({ kind: 'sqs', failedBatches: 0 });
    expect(report.failureDestination?.location).toMatch(/t1-EventProcessorDLQ$/);
  });

  it('batches in the DLQ: failing, with the redrive hint', async () => {
    const sqs = new SQSClient({ ...client(), useQueueUrlAsEndpoint: false });
    const queue = (await status()).failureDestination?.location as string;
    for (const n of [1, 2]) await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: `{"batch":${n}}` }));
    sqs.destroy();
    const report = await status();
    expect(report.verdict).toEqual({
      state: 'failing',
      reason: '2 failed batches in the on-failure destination',
      next: 'streamproc redrive --stack t1',
    });
    const human = await runCli(['status', '--stack', 't1'], { env });
    expect(human.stdout).toMatch(/^on-failure 2 failed batches · /m);
  });
});
