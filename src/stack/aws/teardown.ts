/**
 * `teardown` on AWS (the command has already confirmed): DeleteStack with live events, the
 * root cause of a DELETE_FAILED first, then the stack's staged bundles and saved outputs removed.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { updateStackSettings } from '../../config/store.js';
import { deleteRetainedProducerKeys } from '../../producer/retained-keys.js';
import type { TeardownOptions, TeardownResult } from '../../target.js';
import { assetsBucketName, releaseStackAssets } from './assets.js';
import { stackFailure } from './failure.js';
import { type AwsRunOptions, type AwsSession, withAwsSession } from './session.js';
import { isInProgress } from './stack-events/stack-activity-monitor.js';
import { findStack, stackParameter, stackResources } from './stack-state.js';
import { watchStack } from './stack-watch.js';

export async function teardownOnAws(options: TeardownOptions, run: AwsRunOptions = {}): Promise<TeardownResult> {
  const name = options.stack.name;
  return withAwsSession(options.stack, `delete stack ${name}`, options.reporter, run, (session) =>
    teardownInSession(options, session),
  );
}

async function teardownInSession(options: TeardownOptions, session: AwsSession): Promise<TeardownResult> {
  const { cfn, s3, ctx } = session;
  const { reporter } = options;
  const name = options.stack.name;
  const deleted: string[] = [];
  const existing = await findStack(cfn, name);
  let bucket = assetsBucketName(ctx.account, ctx.region);

  if (existing) {
    const stackId = existing.StackId ?? name;
    bucket = stackParameter(existing, 'CodeS3Bucket') ?? bucket;
    reporter.info(`Deleting stack ${name} (${existing.StackStatus}) in account ${ctx.account}, ${ctx.region}`);
    const resources = await stackResources(cfn, stackId);
    const watch = {
      ...session,
      stackId,
      stackName: name,
      reporter,
      signal: options.signal,
      resumeCommand: `streamproc teardown --stack ${name}`,
      profile: ctx.profile,
    };
    const status = existing.StackStatus ?? '';
    if (isInProgress(status) && status !== 'DELETE_IN_PROGRESS') {
      reporter.warn(`Stack ${name} is busy (${status}); waiting for that operation to finish first`);
      await watchStack({ ...watch, operation: `operation already in progress (${status})` });
    }
    const producer = resources.find((r) => r.LogicalResourceId === 'ProducerUser')?.PhysicalResourceId;
    if (producer) {
      const managed = resources.find((r) => r.LogicalResourceId === 'ProducerAccessKey')?.PhysicalResourceId;
      const retained = await deleteRetainedProducerKeys({
        region: ctx.region,
        profile: ctx.profile,
        user: producer,
        managed,
      });
      for (const id of retained) {
        reporter.warn(`Deleted key ${id} of ${producer}, left by a producer rotate that stopped before deleting it`);
        deleted.push(`AWS::IAM::AccessKey ${id}`);
      }
    }
    const { DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
    const result = await watchStack({
      ...watch,
      operation: 'deletion',
      start: () =>
        status === 'DELETE_IN_PROGRESS' ? Promise.resolve() : cfn.send(new DeleteStackCommand({ StackName: stackId })),
    });
    if (result.status !== 'DELETE_COMPLETE') {
      throw stackFailure({ stack: name, operation: 'Teardown', result, reporter });
    }
    deleted.push(`stack ${name}`);
    for (const r of resources) deleted.push(`${r.ResourceType} ${r.PhysicalResourceId ?? r.LogicalResourceId}`);
  } else {
    reporter.info(`Stack ${name} does not exist in account ${ctx.account}, ${ctx.region}; nothing to delete`);
  }

  // Also after a stack that was already gone: its bundles may still be staged.
  const stillReferenced = await keysOfOtherStacks(cfn, name, bucket);
  const removed = await reporter.step('Removing staged processor bundles', () =>
    releaseStackAssets(s3, { bucket, account: ctx.account, stack: name, stillReferenced }),
  );
  for (const key of removed) deleted.push(`s3://${bucket}/${key}`);

  if (options.stack.configured && options.stack.settings.outputs) {
    await updateStackSettings(
      name,
      (current) => {
        const { outputs: _dropped, ...rest } = current ?? options.stack.settings;
        return rest;
      },
      { file: options.stack.file },
    );
  }
  return { stack: name, target: 'aws', existed: existing !== undefined, deleted };
}

/** Code keys other live stacks in this region point at: never deleted, whatever the tags say. */
async function keysOfOtherStacks(
  cfn: Pick<CloudFormationClient, 'send'>,
  name: string,
  bucket: string,
): Promise<Set<string>> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStacksCommand({ NextToken: token }));
    for (const stack of page.Stacks ?? []) {
      if (stack.StackName === name || stack.StackStatus === 'DELETE_COMPLETE') continue;
      if (stackParameter(stack, 'CodeS3Bucket') !== bucket) continue;
      for (const parameter of ['CodeS3Key', 'ConsumerCodeS3Key']) {
        const key = stackParameter(stack, parameter);
        if (key) keys.add(key);
      }
    }
    token = page.NextToken;
  } while (token);
  return keys;
}
