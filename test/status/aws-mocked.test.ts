/**
 * `status` on AWS when calls are refused: each refused call degrades its own figures to
 * "unknown (AccessDenied on …)", the rest still show, and the verdict says what it could not
 * check; missing credentials stop the command with the usual one-line error. The SDK clients are
 * doubles (aws-sdk-client-mock): no emulator refuses selectively.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedStack } from '../../src/config/store.js';
import { UserError } from '../../src/errors.js';
import { gatherAws, stackUsable, unknownFromError } from '../../src/status/aws.js';
import { pipelineStatus } from '../../src/status/status.js';
import { OUTPUTS } from '../helpers/mocked-aws.js';

const cfn = mockClient(CloudFormationClient);
const cloudwatch = mockClient(CloudWatchClient);
const dynamodb = mockClient(DynamoDBClient);
const kinesis = mockClient(KinesisClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);

const stack: ResolvedStack = {
  name: 't1',
  settings: { target: 'aws', region: 'us-east-1' } as ResolvedStack['settings'],
  configured: true,
  file: '/dev/null',
};
const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

/** An SDK error as the service sends it. */
function awsError(name: string, message = `User is not authorized to perform this action (${name})`) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });
}

beforeEach(() => {
  for (const mock of [cfn, cloudwatch, dynamodb, kinesis, lambda, sqs]) mock.reset();
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 't1',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/t1/abc',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  kinesis.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: { OpenShardCount: 2, RetentionPeriodHours: 48 } as never,
  });
  dynamodb.on(DescribeTableCommand).resolves({ Table: { ItemCount: 100_000 } });
  dynamodb.on(QueryCommand).resolves({ Count: 1 });
  lambda.on(ListEventSourceMappingsCommand).resolves({
    EventSourceMappings: [
      {
        EventSourceArn: OUTPUTS.StreamArn,
        State: 'Enabled',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        MaximumRetryAttempts: 3,
        LastProcessingResult: 'OK',
      },
    ],
  });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

describe('status on AWS with a second consumer', () => {
  it('reports the consumer from its own mapping, and says which of its figures are not read', async () => {
    // Prepare: the stack has the consumer's output; its mapping is in another state than the processor's.
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 't1',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: Object.entries({ ...OUTPUTS, ConsumerFunctionName: 't1-Consumer' }).map(
            ([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }),
          ),
        },
      ],
    });
    lambda.on(ListEventSourceMappingsCommand, { FunctionName: 't1-Consumer' }).resolves({
      EventSourceMappings: [
        { EventSourceArn: OUTPUTS.StreamArn, State: 'Disabled', BatchSize: 7, LastProcessingResult: 'PROBLEM: x' },
      ],
    });
    // Act
    const report = await pipelineStatus({ stack, windowMs: 900_000, env, now: () => Date.UTC(2026, 11, 2, 14, 10) });
    // Assess
    expect(report.mapping).toMatchObject({ state: 'Enabled', batchSize: 100 });
    expect(report.consumers).toEqual([
      expect.objectContaining({
        mapping: 'ConsumerEventSourceMapping',
        function: 't1-Consumer',
        state: 'Disabled',
        batchSize: 7,
        lastProcessingResult: 'PROBLEM: x',
        invocations: { unknown: 'CloudWatch metrics are read for the processor only' },
      }),
    ]);
  });
});

describe('status on AWS with refused calls', () => {
  it('every figure is read when nothing is refused (no Scan: DescribeTable and COUNT queries only)', async () => {
    // 14:10 UTC: the 15-minute window spans two hour buckets of the time index.
    const now = () => Date.UTC(2026, 11, 2, 14, 10);
    const report = await pipelineStatus({ stack, windowMs: 900_000, env, now });
    expect(report.verdict.state).toBe('healthy');
    expect(report.stream).toMatchObject({ shards: 2, retentionHours: 48 });
    expect(report.mapping).toMatchObject({
      state: 'Enabled',
      batchSize: 100,
      batchingWindowSeconds: 1,
      lastProcessingResult: 'OK',
    });
    expect(report.table).toMatchObject({ items: 100_000, rejectedRecently: 8 }); // 1 per partition: 2 hours × 4
    for (const call of dynamodb.commandCalls(QueryCommand)) expect(call.args[0].input.Select).toBe('COUNT');
  });

  it('AccessDenied on CloudWatch and SQS: those figures unknown, the others shown, the verdict says what it could not check', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(awsError('AccessDenied'));
    sqs.on(GetQueueAttributesCommand).rejects(awsError('AccessDenied'));
    const figures = await gatherAws({ stack, windowMs: 900_000, env });
    const cw = { unknown: 'AccessDenied on cloudwatch:GetMetricData' };
    expect(figures.processor).toMatchObject({
      invocations: cw,
      errors: cw,
      throttles: cw,
      durationP50Ms: cw,
      durationP99Ms: cw,
    });
    expect(figures.stream?.recordsInPerSecond).toEqual(cw);
    expect(figures.mapping?.maxLagMs).toEqual(cw);
    expect(figures.failureDestination?.failedBatches).toEqual({ unknown: 'AccessDenied on sqs:GetQueueAttributes' });
    expect(figures.stream?.shards).toBe(2);
    expect(figures.table?.items).toBe(100_000);
    const report = await pipelineStatus({ stack, windowMs: 900_000, env });
    expect(report.verdict.reason).toContain('(not known: failed batches, errors, lag)');
  });

  it('AccessDeniedException on Lambda, Kinesis and DynamoDB: the mapping, stream and table figures unknown', async () => {
    lambda.on(ListEventSourceMappingsCommand).rejects(awsError('AccessDeniedException'));
    kinesis.on(DescribeStreamSummaryCommand).rejects(awsError('AccessDeniedException'));
    dynamodb.on(DescribeTableCommand).rejects(awsError('AccessDeniedException'));
    dynamodb.on(QueryCommand).rejects(awsError('AccessDeniedException'));
    const figures = await gatherAws({ stack, windowMs: 900_000, env });
    expect(figures.mapping).toMatchObject({
      state: { unknown: 'AccessDenied on lambda:ListEventSourceMappings' },
      batchSize: { unknown: 'AccessDenied on lambda:ListEventSourceMappings' },
    });
    expect(figures.stream?.shards).toEqual({ unknown: 'AccessDenied on kinesis:DescribeStreamSummary' });
    expect(figures.table).toMatchObject({
      items: { unknown: 'AccessDenied on dynamodb:DescribeTable' },
      rejectedRecently: { unknown: 'AccessDenied on dynamodb:Query' },
    });
    expect(figures.failureDestination?.failedBatches).toBe(0);
  });

  it('a stack CloudFormation left unusable is stopped; none at all is not deployed', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 't1', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }],
    });
    const stopped = await pipelineStatus({ stack, windowMs: 900_000, env });
    expect(stopped.verdict).toEqual({
      state: 'stopped',
      reason: 'stack is ROLLBACK_COMPLETE',
      next: 'streamproc deploy --stack t1',
    });
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id t1 does not exist'), { name: 'ValidationError' }));
    expect((await pipelineStatus({ stack, windowMs: 900_000, env })).verdict.state).toBe('not deployed');
    expect([
      stackUsable('UPDATE_ROLLBACK_COMPLETE'),
      stackUsable('CREATE_IN_PROGRESS'),
      stackUsable('DELETE_FAILED'),
    ]).toEqual([true, false, false]);
  });

  it('expired credentials stop the whole command with the fix, not an unknown per figure', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
    await expect(gatherAws({ stack, windowMs: 900_000, env })).rejects.toBeInstanceOf(UserError);
    expect(() => unknownFromError('x:Y', awsError('ExpiredTokenException', 'expired'))).toThrow();
    expect(unknownFromError('x:Y', awsError('ThrottlingException', 'Rate exceeded'))).toEqual({
      unknown: 'ThrottlingException on x:Y: Rate exceeded',
    });
  });
});
