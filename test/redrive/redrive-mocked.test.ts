/**
 * Redrive on the aws target against failure sequences no emulator produces (aws-sdk-client-mock):
 * AccessDenied, throttled reads and puts, and a message whose receipt handle expired before the
 * delete.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedStack } from '../../src/config/store.js';
import { UserError } from '../../src/errors.js';
import { redriveStack } from '../../src/redrive/redrive.js';
import type { PipelineEndpoints, StackTarget } from '../../src/target.js';
import { recordingReporter } from '../helpers/recording-reporter.js';

const kinesis = mockClient(KinesisClient);
const sqs = mockClient(SQSClient);

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/t1-EventProcessorDLQ';
const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/t1-EventStream';
const SHARD = 'shardId-000000000000';
const SEQ = [
  '49650000000000000000000000000000000000000000000000000001',
  '49650000000000000000000000000000000000000000000000000002',
];

const endpoints: PipelineEndpoints = {
  target: 'aws',
  stack: 't1',
  region: 'us-east-1',
  streamName: 't1-EventStream',
  tableName: 't1-EventData',
  kinesis: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
  dynamodb: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
  failures: { kind: 'sqs', queueUrl: QUEUE, service: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } },
};
const target = { endpoints: async () => endpoints } as unknown as StackTarget;
const stack: ResolvedStack = {
  name: 't1',
  settings: { target: 'aws', region: 'us-east-1', keywords: [], retentionDays: 7 },
  configured: true,
  file: '/nonexistent',
};

const body = JSON.stringify({
  requestContext: { requestId: 'r', functionArn: 'f', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
  version: '1.0',
  timestamp: '2026-12-02T14:00:00.000Z',
  KinesisBatchInfo: {
    shardId: SHARD,
    startSequenceNumber: SEQ[0],
    endSequenceNumber: SEQ[1],
    approximateArrivalOfFirstRecord: '2026-12-02T13:59:00.000Z',
    approximateArrivalOfLastRecord: '2026-12-02T13:59:00.000Z',
    batchSize: 2,
    streamArn: ARN,
  },
});

const records = SEQ.map((seq, i) => ({ SequenceNumber: seq, PartitionKey: `pk-${i}`, Data: Buffer.from(`data ${i}`) }));

function run(reporter = recordingReporter()) {
  return redriveStack({
    stack,
    target,
    reporter: reporter.reporter,
    signal: new AbortController().signal,
    confirm: async () => true,
    backoffBaseMs: 1,
  });
}

function awsError(name: string, message: string) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, $fault: 'client' });
}

beforeEach(() => {
  kinesis.reset();
  sqs.reset();
  sqs
    .on(GetQueueAttributesCommand)
    .resolves({ Attributes: { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' } });
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1', Body: body }] })
    .resolves({ Messages: [] });
  sqs.on(DeleteMessageCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
  kinesis.on(GetRecordsCommand).resolves({ Records: records, NextShardIterator: 'it-2', MillisBehindLatest: 0 });
  kinesis.on(PutRecordsCommand).resolves({
    FailedRecordCount: 0,
    Records: [
      { SequenceNumber: '9', ShardId: SHARD },
      { SequenceNumber: '10', ShardId: SHARD },
    ],
  });
});

describe('redrive against mocked AWS', () => {
  it('turns AccessDenied into one line naming the actions redrive needs, and deletes nothing', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: arn:aws:iam::123456789012:user/x is not authorized to perform: sqs:receivemessage',
        ),
      );

    const error = await run().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('AWS_ACCESS_DENIED');
    expect((error as UserError).message).toMatch(
      /^AWS denied a call needed to redrive stack t1: User: .* sqs:receivemessage$/,
    );
    expect((error as UserError).hint).toContain('sqs:ReceiveMessage, sqs:DeleteMessage');
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('an AccessDenied on PutRecords leaves the message in the queue', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: kinesis:PutRecords'));

    const error = await run().catch((e: unknown) => e);

    expect((error as UserError).code).toBe('AWS_ACCESS_DENIED');
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    // The message it held is visible again at once for the next run.
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE, ReceiptHandle: 'rh-1', VisibilityTimeout: 0 },
    ]);
  });

  it('rides out throttled reads and a throttled entry, then deletes the message', async () => {
    const throttled = () =>
      new ProvisionedThroughputExceededException({
        message: 'Rate exceeded for shard',
        $metadata: { httpStatusCode: 400 },
      });
    kinesis
      .on(GetRecordsCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Records: records, MillisBehindLatest: 0 });
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: '9', ShardId: SHARD },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' },
        ],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '10', ShardId: SHARD }] });

    const result = await run();

    expect(kinesis.commandCalls(GetRecordsCommand)).toHaveLength(3);
    const puts = kinesis
      .commandCalls(PutRecordsCommand)
      .map((c) => c.args[0].input.Records?.map((r) => r.PartitionKey));
    expect(puts).toEqual([['pk-0', 'pk-1'], ['pk-1']]);
    expect(result).toMatchObject({ batches: 1, records: 2, removed: 1, notRemoved: 0, lost: [] });
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE, ReceiptHandle: 'rh-1' },
    ]);
  });

  it('a message already deleted (receipt handle expired) is reported, not a failure', async () => {
    sqs.on(DeleteMessageCommand).rejects(
      new SQSServiceException({
        name: 'ReceiptHandleIsInvalid',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'The input receipt handle "rh-1" is not a valid receipt handle.',
      }),
    );
    const reporter = recordingReporter();

    const result = await run(reporter);

    expect(result).toMatchObject({ batches: 1, records: 2, removed: 0, notRemoved: 1 });
    expect(reporter.warnings()).toEqual([
      expect.stringMatching(/^message m-1 was already gone when it was to be deleted \(its receipt handle expired/),
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(1);
  });

  it('makes a message whose records could not be put back visible again at once', async () => {
    kinesis.on(PutRecordsCommand).resolves({
      FailedRecordCount: 2,
      Records: [
        { ErrorCode: 'InvalidArgumentException', ErrorMessage: 'bad' },
        { ErrorCode: 'InvalidArgumentException', ErrorMessage: 'bad' },
      ],
    });

    const result = await run();

    expect(result.removed).toBe(0);
    expect(result.kept).toEqual([
      { where: 'message m-1', reason: expect.stringMatching(/^not put back: Kinesis refused 2 record/) },
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE, ReceiptHandle: 'rh-1', VisibilityTimeout: 0 },
    ]);
  });

  it('a dry run receives until it has seen every message the queue reports, hiding and deleting none', async () => {
    const second = body.replace(SEQ[0] as string, SEQ[1] as string);
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1', Body: body }] })
      .resolvesOnce({ Messages: [{ MessageId: 'm-1', ReceiptHandle: 'rh-1b', Body: body }] })
      .resolvesOnce({ Messages: [{ MessageId: 'm-2', ReceiptHandle: 'rh-2', Body: second }] })
      .resolves({ Messages: [] });

    const result = await redriveStack({
      stack,
      target,
      dryRun: true,
      reporter: recordingReporter().reporter,
      signal: new AbortController().signal,
      confirm: async () => {
        throw new Error('a dry run asks nothing');
      },
      backoffBaseMs: 1,
    });

    // The second batch is SEQ[1] alone: one record.
    expect(result).toMatchObject({ dryRun: true, batches: 2, records: 3, removed: 0, remaining: 2 });
    expect(result.details.map((d) => [d.where, d.outcome])).toEqual([
      ['message m-1', 'would-redrive'],
      ['message m-2', 'would-redrive'],
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.VisibilityTimeout)).toEqual([0, 0, 0]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('puts back what is left of a batch whose start was trimmed and reports the trimmed part as lost', async () => {
    // The iterator starts after the batch's first record: the stream trimmed it (past its retention).
    kinesis.on(GetRecordsCommand).resolves({ Records: records.slice(1), MillisBehindLatest: 0 });
    kinesis
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '9', ShardId: SHARD }] });

    const result = await run();

    expect(result.lost).toEqual([
      {
        shardId: SHARD,
        from: SEQ[0],
        to: SEQ[1],
        until: SEQ[1],
        records: 1,
        reason: 'past the stream retention period (trimmed)',
      },
    ]);
    expect(
      kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.map((r) => r.PartitionKey)),
    ).toEqual([['pk-1']]);
    expect(result).toMatchObject({ records: 1, removed: 1 });
    expect(result.details).toEqual([expect.objectContaining({ outcome: 'redriven', records: 1, lostRecords: 1 })]);
  });
});
