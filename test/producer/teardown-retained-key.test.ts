/**
 * Teardown after a `producer rotate` that stopped before its delete: the retained key (no longer
 * CloudFormation's) is deleted before DeleteStack, or DeleteUser would fail on it (mocked AWS).
 */
import { DeleteStackCommand, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ScriptedStack } from '../helpers/cfn-script.js';
import { cfn, configuredStack, OUTPUTS, target, useMockedAws, wire } from '../helpers/mocked-aws.js';
import { recordingReporter } from '../helpers/recording-reporter.js';

useMockedAws();
const iam = mockClient(IAMClient);
beforeEach(() => iam.reset());

const resource = (LogicalResourceId: string, PhysicalResourceId: string, ResourceType: string) => ({
  LogicalResourceId,
  PhysicalResourceId,
  ResourceType,
  ResourceStatus: 'UPDATE_COMPLETE' as const,
  Timestamp: new Date(),
});

describe('teardown with a producer identity', () => {
  async function tearDown(keys: string[]) {
    const order: string[] = [];
    wire(new ScriptedStack('t1', { status: 'UPDATE_COMPLETE' }));
    cfn.on(DescribeStackResourcesCommand).resolves({
      StackResources: [
        resource('ProducerUser', 't1-Producer', 'AWS::IAM::User'),
        resource('ProducerAccessKey', 'AKIAMANAGED', 'AWS::IAM::AccessKey'),
      ],
    });
    const deleteStack = cfn.commandCalls(DeleteStackCommand).length;
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: keys.map((AccessKeyId) => ({ AccessKeyId })) });
    iam.on(DeleteAccessKeyCommand).callsFake((input: { AccessKeyId: string }) => {
      order.push(
        `DeleteAccessKey ${input.AccessKeyId} (DeleteStack calls so far: ${cfn.commandCalls(DeleteStackCommand).length - deleteStack})`,
      );
    });
    const recorded = recordingReporter();
    const { reporter } = recorded;
    const result = await target().teardown({
      stack: await configuredStack({ outputs: OUTPUTS }),
      keepData: false,
      reporter,
      signal: new AbortController().signal,
    });
    return { order, result, recorded };
  }

  it('deletes a key a stopped rotation retained before deleting the stack, and says so', async () => {
    const { order, result, recorded } = await tearDown(['AKIAMANAGED', 'AKIARETAINED']);
    expect(order).toEqual(['DeleteAccessKey AKIARETAINED (DeleteStack calls so far: 0)']);
    expect(result.deleted).toContain('AWS::IAM::AccessKey AKIARETAINED');
    expect(recorded.warnings()).toContain(
      'Deleted key AKIARETAINED of t1-Producer, left by a producer rotate that stopped before deleting it',
    );
  });

  it('leaves the stack’s own key to CloudFormation', async () => {
    const { order } = await tearDown(['AKIAMANAGED']);
    expect(order).toEqual([]);
  });
});
