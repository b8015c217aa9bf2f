/**
 * deploy on the aws target against aws-sdk-client-mock, for what no emulator produces: rollbacks,
 * failed rollbacks, throttling, credentials expiring mid-deploy, Ctrl-C. CloudFormation's side is
 * replayed from the recorded sequences in test/fixtures/cfn.
 */
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { awsTarget } from '../../../src/stack/aws/target.js';
import type { ConfirmQuestion } from '../../../src/target.js';
import { ACCOUNT, loadFixture, REGION, ScriptedStack } from '../../helpers/cfn-script.js';
import {
  caught,
  cfn,
  configuredStack,
  deployOptions,
  FAST,
  OUTPUTS,
  s3,
  target,
  useMockedAws,
  wire,
} from '../../helpers/mocked-aws.js';
import { recordingReporter } from '../../helpers/recording-reporter.js';

useMockedAws();

describe('deploy (mocked AWS)', () => {
  it('reports the events of a successful create in order, once each, and returns the outputs', async () => {
    // Prepare
    const stack = new ScriptedStack('t1');
    const fixture = loadFixture('create-complete');
    wire(stack, { onExecute: fixture });
    const recorded = recordingReporter();
    // Act
    const result = await target().deploy(deployOptions(await configuredStack(), recorded.reporter));
    // Assess
    expect(result.status).toBe('created');
    const reported = recorded.ofType('stackEvent').map(({ event }) => [event.logicalId, event.status, event.reason]);
    expect(reported).toEqual(fixture.events.map((e) => [e.id === 'STACK' ? 't1' : e.id, e.status, e.reason]));
    expect(recorded.ofType('changeSet')).toEqual([
      { type: 'changeSet', changes: [{ action: 'Add', logicalId: 'EventStream', type: 'AWS::Kinesis::Stream' }] },
    ]);
    expect(recorded.infos()[0]).toBe(
      `Deploying stack t1 to account ${ACCOUNT} in ${REGION} as arn:aws:iam::${ACCOUNT}:user/deployer`,
    );
    // Saving them into the settings is the deploy service's (test/stack/deploy.test.ts).
    expect(result.outputs).toEqual(OUTPUTS);
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input).toMatchObject({
      ChangeSetType: 'CREATE',
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
  });

  it('explains a failed first create with the root cause first, then the final status', async () => {
    const stack = new ScriptedStack('t1');
    wire(stack, { onExecute: loadFixture('create-rollback') });
    const recorded = recordingReporter();
    const error = await caught(target().deploy(deployOptions(await configuredStack(), recorded.reporter)));
    expect(error.message).toMatch(
      /^Deploy of stack t1 failed: EventProcessorFunction \(AWS::Lambda::Function\) CREATE_FAILED: Resource handler returned message: "Your access has been denied by S3.*; the stack is now ROLLBACK_COMPLETE$/,
    );
    expect(error.hint).toContain('streamproc deploy --stack t1');
    const [summary, ...more] = recorded.ofType('failedResources');
    expect(more).toEqual([]);
    expect(summary?.events.map((e) => [e.logicalId, e.status])).toEqual([
      ['EventProcessorFunction', 'CREATE_FAILED'],
      ['EventDataTable', 'CREATE_FAILED'],
    ]);
    expect(summary?.events[1]?.reason).toMatch(/Resource creation cancelled/);
    // The summary comes after the last stack event, as the end of the story.
    expect(recorded.events.at(-1)).toBe(summary);
  });

  it('recognises a stack left in ROLLBACK_COMPLETE and recreates it once confirmed', async () => {
    const stack = new ScriptedStack('t1', { status: 'ROLLBACK_COMPLETE' });
    wire(stack, { onExecute: loadFixture('create-complete') });
    const recorded = recordingReporter();
    const questions: ConfirmQuestion[] = [];
    const result = await target().deploy(
      deployOptions(await configuredStack(), recorded.reporter, {
        confirm: async (q) => {
          questions.push(q);
          return true;
        },
      }),
    );
    expect(questions[0]?.message).toMatch(/is in ROLLBACK_COMPLETE.*Delete the failed stack and create it again\?/);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('CREATE');
    expect(recorded.infos()).toContain('Deleting the failed stack t1');
    expect(
      recorded
        .ofType('stackEvent')
        .some(({ event }) => event.status === 'DELETE_COMPLETE' && event.resourceType === 'AWS::CloudFormation::Stack'),
    ).toBe(true);
    expect(result.status).toBe('created');
  });

  it('leaves a ROLLBACK_COMPLETE stack alone when the user declines, and says what to run', async () => {
    const stack = new ScriptedStack('t1', { status: 'ROLLBACK_COMPLETE' });
    wire(stack);
    const { reporter } = recordingReporter();
    const error = await caught(
      target().deploy(deployOptions(await configuredStack(), reporter, { confirm: async () => false })),
    );
    expect(error.code).toBe('STACK_ROLLED_BACK');
    expect(error.hint).toContain('streamproc teardown --stack t1');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('ends an update in UPDATE_ROLLBACK_FAILED with the first failure and continue-update-rollback', async () => {
    const stack = new ScriptedStack('t1', { status: 'UPDATE_COMPLETE' });
    wire(stack, { onExecute: loadFixture('update-rollback-failed') });
    const { reporter } = recordingReporter();
    const error = await caught(target().deploy(deployOptions(await configuredStack(), reporter)));
    expect(error.message).toMatch(
      /failed: EventSourceMapping \(AWS::Lambda::EventSourceMapping\) UPDATE_FAILED: .*ParallelizationFactor/,
    );
    expect(error.message).toMatch(/the stack is now UPDATE_ROLLBACK_FAILED$/);
    expect(error.hint).toContain('aws cloudformation continue-update-rollback --stack-name t1');
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('UPDATE');
  });

  it('refuses to deploy over UPDATE_ROLLBACK_FAILED before creating a change set', async () => {
    wire(new ScriptedStack('t1', { status: 'UPDATE_ROLLBACK_FAILED' }));
    const { reporter } = recordingReporter();
    const error = await caught(target().deploy(deployOptions(await configuredStack(), reporter)));
    expect(error.hint).toContain('continue-update-rollback');
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('reports a quiet spell with the resources still in progress, between the stack events', async () => {
    wire(new ScriptedStack('t1'), { onExecute: loadFixture('create-complete') });
    const recorded = recordingReporter();
    const quietAlways = awsTarget({ timings: { ...FAST, quietMs: 0 }, env: {} });
    const result = await quietAlways.deploy(deployOptions(await configuredStack(), recorded.reporter));
    expect(result.status).toBe('created');
    const first = recorded.events.findIndex((e) => e.type === 'stillInProgress');
    // The first poll reveals the stack's own event, the queue's and the stream's.
    expect(recorded.events.slice(first - 3, first + 1).map((e) => e.type)).toEqual([
      'stackEvent',
      'stackEvent',
      'stackEvent',
      'stillInProgress',
    ]);
    expect(recorded.events[first]).toMatchObject({ resources: ['EventProcessorDLQ', 'EventStream'] });
  });

  it('rides out throttled DescribeStackEvents calls', async () => {
    const stack = new ScriptedStack('t1');
    wire(stack, { onExecute: loadFixture('create-complete') });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    cfn
      .on(DescribeStackEventsCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .callsFake(() => ({ StackEvents: stack.describeStackEvents() }));
    const { reporter } = recordingReporter();
    const result = await target().deploy(deployOptions(await configuredStack(), reporter));
    expect(result.status).toBe('created');
    expect(cfn.commandCalls(DescribeStackEventsCommand).length).toBeGreaterThan(3);
  });

  it('says the stack operation continues when credentials expire while watching', async () => {
    const stack = new ScriptedStack('t1');
    wire(stack, { onExecute: loadFixture('create-complete') });
    cfn
      .on(DescribeStackEventsCommand)
      .rejects(
        Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }),
      );
    const { reporter } = recordingReporter();
    const error = await caught(target().deploy(deployOptions(await configuredStack(), reporter)));
    expect(error.code).toBe('AWS_CREDENTIALS_EXPIRED');
    expect(error.message).toMatch(/expired.*while watching; the creation of stack t1 continues in CloudFormation/);
    expect(error.hint).toContain('streamproc deploy --stack t1');
  });

  it('stops watching on Ctrl-C and says how to resume', async () => {
    const stack = new ScriptedStack('t1');
    wire(stack, { onExecute: loadFixture('create-complete') });
    const controller = new AbortController();
    cfn.on(DescribeStackEventsCommand).callsFake(() => {
      controller.abort();
      return { StackEvents: stack.describeStackEvents() };
    });
    const { reporter } = recordingReporter();
    const error = await caught(
      target().deploy(deployOptions(await configuredStack(), reporter, { signal: controller.signal })),
    );
    expect(error.exit).toBe(130);
    expect(error.message).toMatch(/^Stopped watching; the creation of stack t1 continues in CloudFormation/);
    expect(error.hint).toContain('streamproc deploy --stack t1');
  });

  it('asks before replacing a resource and cleans up the change set when declined', async () => {
    wire(new ScriptedStack('t1', { status: 'UPDATE_COMPLETE' }), {
      changes: [
        {
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'EventDataTable',
            ResourceType: 'AWS::DynamoDB::Table',
            Replacement: 'True',
          },
        },
      ],
    });
    const recorded = recordingReporter();
    const questions: string[] = [];
    const error = await caught(
      target().deploy(
        deployOptions(await configuredStack(), recorded.reporter, {
          confirm: async (q) => {
            questions.push(q.message);
            return false;
          },
        }),
      ),
    );
    expect(questions[0]).toContain('EventDataTable (replaced)');
    expect(recorded.ofType('changeSet')[0]?.changes).toEqual([
      { action: 'Modify', logicalId: 'EventDataTable', type: 'AWS::DynamoDB::Table', replacement: 'True' },
    ]);
    expect(error.code).toBe('DEPLOY_CANCELLED');
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('treats "no changes" as success and deletes the empty change set', async () => {
    const stack = new ScriptedStack('t1', { status: 'UPDATE_COMPLETE' });
    wire(stack);
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
      StackId: stack.stackId,
      CreationTime: new Date(),
    });
    const recorded = recordingReporter();
    const result = await target().deploy(deployOptions(await configuredStack(), recorded.reporter));
    expect(result.status).toBe('unchanged');
    expect(recorded.infos()).toContain('No changes: stack t1 is up to date.');
    expect(recorded.ofType('changeSet')).toEqual([]);
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('creates a locked-down assets bucket with a TLS-only policy on AWS endpoints', async () => {
    wire(new ScriptedStack('t1'), { onExecute: loadFixture('create-complete') });
    s3.on(HeadBucketCommand).rejects(
      Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(CreateBucketCommand).resolves({});
    s3.on(HeadObjectCommand).rejects(
      Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(PutObjectCommand).resolves({});
    const { reporter } = recordingReporter();
    await target().deploy(deployOptions(await configuredStack(), reporter));
    expect(s3.commandCalls(CreateBucketCommand)[0]?.args[0].input).toMatchObject({
      Bucket: `streamproc-assets-${ACCOUNT}-${REGION}`,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]?.args[0].input.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(1);
    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy ?? '{}');
    expect(policy.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key).toMatch(/^processor\/[0-9a-f]{64}\.zip$/);
  });
});
