/**
 * `streamproc redrive` on the aws target, through the built CLI against moto: a stack deployed by
 * `deploy` (its stream and SQS dead-letter queue), records in the stream, failed-batch messages in
 * the queue in the shape Lambda sends them → redrive puts the records back and deletes the messages.
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../src/aws/clients.js';
import type { RedriveResult } from '../../src/redrive/redrive.js';
import { requireBuilt, runCli, tempDirs } from '../helpers/cli.js';
import { readShards } from '../helpers/kinesalite.js';
import { type MotoServer, motoUnavailable, startMoto } from '../helpers/moto-server.js';

requireBuilt('dist/src/commands/redrive.js', 'dist/src/commands/deploy.js');
const skip = motoUnavailable();
if (skip) console.warn(`skipping the redrive moto tests: ${skip}`);

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** What Lambda sends to an SQS on-failure destination for a Kinesis batch it gave up on. */
function onFailureMessage(shardId: string, start: string, end: string, batchSize: number, streamArn: string) {
  return JSON.stringify({
    requestContext: {
      requestId: '316aa6d0-8154-xmpl-9af7-85d5f4a6bc81',
      functionArn: `arn:aws:lambda:${REGION}:123456789012:function:t1-DDBEventProcessor`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-12-02T14:00:00.000Z',
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: '2026-12-02T13:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-12-02T13:59:01.000Z',
      batchSize,
      streamArn,
    },
  });
}

describe.skipIf(skip !== undefined)('streamproc redrive on the aws target (built CLI, moto)', () => {
  let moto: MotoServer;
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMoto();
    dirs = await tempDirs('streamproc-redrive-moto-');
    env = dirs.env({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
    });
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
    await dirs?.cleanup();
  });

  it('re-puts the records of every message in the DLQ, then deletes the messages; a gone shard is reported lost', async () => {
    // Prepare: the stack, 30 records in its stream, three failed batches in its DLQ.
    expect(
      (await runCli(['init', '--yes', '--stack', 't1', '--target', 'aws', '--region', REGION], { env })).code,
    ).toBe(0);
    const deploy = await runCli(['deploy', '--stack', 't1', '--yes', '--json'], { env, timeoutMs: 120_000 });
    expect(deploy.code, deploy.stderr).toBe(0);
    const { outputs } = JSON.parse(deploy.stdout) as { outputs: Record<string, string> };
    const service = { endpoint: moto.endpoint, credentials: CREDENTIALS };
    const kinesis = await createKinesisClient({ region: REGION, service });
    const sqs = new SQSClient({ region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS });
    const { PutRecordsCommand } = await import('@aws-sdk/client-kinesis');
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: outputs.StreamName,
        Records: Array.from({ length: 30 }, (_, i) => ({
          Data: Buffer.from(`record ${i}`),
          PartitionKey: `user-${i % 3}`,
        })),
      }),
    );
    const shardId = put.Records?.[0]?.ShardId as string;
    const seq = (put.Records ?? []).map((r) => r.SequenceNumber as string);
    const arn = outputs.StreamArn as string;
    const bodies = [
      onFailureMessage(shardId, seq[0] as string, seq[9] as string, 10, arn),
      onFailureMessage(shardId, seq[20] as string, seq[24] as string, 5, arn),
      onFailureMessage('shardId-000000000042', seq[0] as string, seq[1] as string, 2, arn),
    ];
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: outputs.DLQUrl, MessageBody: body }));
    const before = [...(await readShards(kinesis, outputs.StreamName as string)).values()].flat();

    const queued = async () => {
      const answer = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: outputs.DLQUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return answer.Attributes;
    };

    // Act: a dry run first, then the redrive.
    const dry = await runCli(['redrive', '--stack', 't1', '--dry-run', '--json'], { env, timeoutMs: 120_000 });
    const afterDry = await queued();
    const run = await runCli(['redrive', '--stack', 't1', '--yes', '--json'], { env, timeoutMs: 120_000 });

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as RedriveResult;
    expect(result).toMatchObject({ target: 'aws', destination: outputs.DLQUrl, batches: 3, records: 15, removed: 3 });
    expect(result.lost).toEqual([
      expect.objectContaining({ shardId: 'shardId-000000000042', from: seq[0], to: seq[1], records: 2 }),
    ]);
    const after = [...(await readShards(kinesis, outputs.StreamName as string)).values()].flat();
    const added = after.slice(before.length);
    const wanted = [...before.slice(0, 10), ...before.slice(20, 25)];
    expect(added.map((r) => [r.partitionKey, r.data])).toEqual(wanted.map((r) => [r.partitionKey, r.data]));
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, batches: 3, records: 15, removed: 0 });
    expect(afterDry).toMatchObject({ ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' });
    expect(await queued()).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect(result.remaining).toBe(0);
    kinesis.destroy();
    sqs.destroy();
  }, 240_000);
});
