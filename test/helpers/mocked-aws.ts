import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetBucketPolicyCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { StackSettings } from '../../src/config/settings.js';
import { type ResolvedStack, updateStackSettings } from '../../src/config/store.js';
import { UserError } from '../../src/errors.js';
import { awsTarget } from '../../src/stack/aws/target.js';
import type { DeployOptions } from '../../src/target.js';
import { ACCOUNT, type Fixture, REGION, type ScriptedStack } from './cfn-script.js';

/**
 * Shared setup of the aws-sdk-client-mock tests: mocked CloudFormation, S3 and STS clients, a
 * scripted stack wired to them and a temporary settings file.
 */

export const cfn = mockClient(CloudFormationClient);
export const s3 = mockClient(S3Client);
export const sts = mockClient(STSClient);

export const FAST = { pollMs: 1, quietMs: 60_000, changeSetPollMs: 1, throttleMs: 1 };
export const DELETED: Fixture = {
  operation: 'delete',
  final: { status: 'DELETE_COMPLETE' },
  events: [
    { t: 0, id: 'STACK', type: 'AWS::CloudFormation::Stack', status: 'DELETE_IN_PROGRESS', reason: 'User Initiated' },
    { t: 20, id: 'STACK', type: 'AWS::CloudFormation::Stack', status: 'DELETE_COMPLETE' },
  ],
};
export const OUTPUTS = {
  StreamName: 't1-EventStream',
  StreamArn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/t1-EventStream`,
  TableName: 't1-EventData',
  FunctionName: 't1-DDBEventProcessor',
  DLQUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/t1-EventProcessorDLQ`,
  Region: REGION,
};

let dir: string;
let file: string;

/** The settings file of the current test file. */
export function settingsFile(): string {
  return file;
}

export async function configuredStack(overrides: Partial<StackSettings> = {}): Promise<ResolvedStack> {
  const settings: StackSettings = { target: 'aws', region: REGION, keywords: ['aws'], retentionDays: 30, ...overrides };
  await updateStackSettings('t1', () => settings, { file });
  return { name: 't1', settings, configured: true, file };
}

function validationError(message: string) {
  return Object.assign(new Error(message), { name: 'ValidationError' });
}

/** Wires the CloudFormation mock to a scripted stack: execute plays `onExecute`, delete plays `onDelete`. */
export function wire(
  stack: ScriptedStack,
  options: { onExecute?: Fixture; onDelete?: Fixture; changes?: unknown[] } = {},
) {
  stack.outputs = OUTPUTS;
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    const described = stack.describeStack();
    if (!input.StackName) return { Stacks: described ? [described] : [] };
    if (!described) throw validationError(`Stack with id ${input.StackName} does not exist`);
    return { Stacks: [described] };
  });
  cfn.on(DescribeStackEventsCommand).callsFake(() => ({ StackEvents: stack.describeStackEvents() }));
  cfn.on(DescribeStackResourcesCommand).resolves({ StackResources: [] });
  cfn.on(CreateChangeSetCommand).callsFake(() => {
    if (!stack.status) stack.status = 'REVIEW_IN_PROGRESS';
    return { Id: `${stack.stackId.replace(':stack/', ':changeSet/')}/cs`, StackId: stack.stackId };
  });
  cfn.on(DescribeChangeSetCommand).callsFake(() => ({
    Status: 'CREATE_COMPLETE',
    StackId: stack.stackId,
    CreationTime: new Date(Date.now() - 1000),
    Changes: options.changes ?? [
      { ResourceChange: { Action: 'Add', LogicalResourceId: 'EventStream', ResourceType: 'AWS::Kinesis::Stream' } },
    ],
  }));
  cfn.on(ExecuteChangeSetCommand).callsFake(() => {
    if (options.onExecute) stack.play(options.onExecute);
    return {};
  });
  cfn.on(DeleteChangeSetCommand).resolves({});
  cfn.on(DeleteStackCommand).callsFake(() => {
    stack.play(options.onDelete ?? DELETED);
    return {};
  });
}

export function deployOptions(
  stack: ResolvedStack,
  reporter: DeployOptions['reporter'],
  extra: Partial<DeployOptions> = {},
): DeployOptions {
  return {
    stack,
    parameters: {},
    reporter,
    confirm: async () => true,
    signal: new AbortController().signal,
    ...extra,
  };
}

export async function caught(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error;
}

export const target = () => awsTarget({ timings: FAST, env: {} });

/** Registers the temporary settings file and resets the mocks before each test. */
export function useMockedAws(): void {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamproc-aws-mock-'));
    file = join(dir, 'config.json');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    cfn.reset();
    s3.reset();
    sts.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, UserId: 'AID' });
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketPolicyCommand).resolves({ Policy: '{"Condition":{"Bool":{"aws:SecureTransport":"false"}}}' });
    s3.on(HeadObjectCommand).resolves({});
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'streamproc:stacks', Value: 't1' }] });
    s3.on(PutObjectTaggingCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  });
}
