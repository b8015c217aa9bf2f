/** `deploy` on the aws target: from the processor bundle to a finished stack operation. */
import type { Stack } from '@aws-sdk/client-cloudformation';
import { configuredEndpoint } from '../../aws/clients.js';
import { UserError } from '../../errors.js';
import type { DeployOptions, DeployResult } from '../../target.js';
import { templateBody } from '../template.js';
import { ensureAssetsBucket, type StagedObject, stageProcessorBundle } from './assets.js';
import {
  deleteChangeSet,
  destructiveChanges,
  executeChangeSet,
  type PreparedChangeSet,
  prepareChangeSet,
} from './change-set.js';
import { consoleUrl, deployRows } from './deploy-rows.js';
import { stackFailure } from './failure.js';
import { loadProcessorPackage, type ProcessorPackage } from './processor-package.js';
import { type AwsRunOptions, type AwsSession, withAwsSession } from './session.js';
import { settleExistingStack } from './stack-recovery.js';
import { completeOutputs, findStack, stackParameter } from './stack-state.js';
import { watchStack } from './stack-watch.js';

/**
 * `deploy` on AWS: pre-flight, package and stage the processor, change set (shown, confirmed when
 * destructive), execute with live events, then the outputs read back.
 */

export async function deployToAws(options: DeployOptions, run: AwsRunOptions = {}): Promise<DeployResult> {
  // Resolved and checked by the deploy service; this target adds only the code location.
  const parameters = options.parameters;
  const name = options.stack.name;
  return withAwsSession(options.stack, `deploy stack ${name}`, options.reporter, run, async (session) => {
    const { ctx } = session;
    options.reporter.info(`Deploying stack ${name} to account ${ctx.account} in ${ctx.region} as ${ctx.arn}`);
    return deployInSession(options, parameters, session);
  });
}

/**
 * The processor's code key: the custom entry or the built-in processor, bundled and staged; with
 * `keepProcessorCode`, the key the stack already runs (nothing bundled or uploaded).
 */
interface StagedProcessor {
  staged: StagedObject;
  source: ProcessorPackage['source'] | 'kept';
  sha256: string;
}

async function stageProcessor(
  options: DeployOptions,
  session: AwsSession,
  bucket: string,
  existing: Stack | undefined,
): Promise<StagedProcessor> {
  const kept = options.keepProcessorCode && existing ? stackParameter(existing, 'CodeS3Key') : undefined;
  const { reporter } = options;
  if (kept) {
    reporter.info(`Processor kept as deployed (s3://${bucket}/${kept})`);
    // Keys are content hashes: processor/<sha256>.zip.
    const sha256 = /([0-9a-f]{64})\.zip$/.exec(kept)?.[1] ?? '';
    return { staged: { bucket, key: kept, uploaded: false, bytes: 0 }, source: 'kept', sha256 };
  }
  const pkg = await reporter.step(
    options.processorEntry ? `Bundling ${options.processorEntry}` : 'Packaging the processor',
    () => loadProcessorPackage(options.processorEntry),
  );
  const staged = await reporter.step('Staging the processor bundle', () =>
    stageProcessorBundle(session.s3, {
      bucket,
      account: session.ctx.account,
      stack: options.stack.name,
      zip: pkg.zip,
      sha256: pkg.sha256,
    }),
  );
  reporter.info(
    staged.uploaded
      ? `Uploaded the processor (${(staged.bytes / 1024).toFixed(1)} KB) to s3://${bucket}/${staged.key}`
      : `Processor unchanged (sha256 ${pkg.sha256.slice(0, 12)}…), already in s3://${bucket}`,
  );
  return { staged, source: pkg.source, sha256: pkg.sha256 };
}

/**
 * The second consumer's code key: `--consumer FILE` is bundled and staged like the processor;
 * `--no-consumer` is '' (the template's condition then removes its function and mapping); without
 * either, the stack keeps the key it has (no consumer on a new stack).
 */
async function stageConsumer(
  options: DeployOptions,
  session: AwsSession,
  bucket: string,
  existing: Stack | undefined,
): Promise<string> {
  const entry = options.consumerEntry;
  if (entry === false) return '';
  if (entry === undefined) return (existing && stackParameter(existing, 'ConsumerCodeS3Key')) ?? '';
  const { reporter } = options;
  const pkg = await reporter.step(`Bundling the consumer ${entry}`, () => loadProcessorPackage(entry, '--consumer'));
  const staged = await reporter.step('Staging the consumer bundle', () =>
    stageProcessorBundle(session.s3, {
      bucket,
      account: session.ctx.account,
      stack: options.stack.name,
      zip: pkg.zip,
      sha256: pkg.sha256,
    }),
  );
  reporter.info(
    staged.uploaded
      ? `Uploaded the consumer (${(staged.bytes / 1024).toFixed(1)} KB) to s3://${bucket}/${staged.key}`
      : `Consumer unchanged (sha256 ${pkg.sha256.slice(0, 12)}…), already in s3://${bucket}`,
  );
  return staged.key;
}

async function deployInSession(
  options: DeployOptions,
  parameters: Record<string, string>,
  session: AwsSession,
): Promise<DeployResult> {
  const { ctx, cfn, s3, reporter } = { ...session, reporter: options.reporter };
  const name = options.stack.name;
  const existing = await settleExistingStack({
    ...session,
    name,
    reporter,
    confirm: options.confirm,
    signal: options.signal,
  });
  const type = !existing || existing.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';

  const s3Endpoint = configuredEndpoint('S3', session.env);
  const assets = await reporter.step('Preparing the assets bucket', () =>
    ensureAssetsBucket(s3, ctx.account, ctx.region, { plainHttp: s3Endpoint?.startsWith('http:') }),
  );
  const { bucket } = assets;
  if (assets.created) {
    const policy = assets.tlsOnly ? ', TLS only' : `; no TLS-only policy on the plain-HTTP endpoint ${s3Endpoint}`;
    reporter.info(`Created the assets bucket ${bucket} (public access blocked, encrypted${policy})`);
  }
  const processor = await stageProcessor(options, session, bucket, existing);
  const consumerKey = await stageConsumer(options, session, bucket, existing);
  const values = {
    ...parameters,
    CodeS3Bucket: bucket,
    CodeS3Key: processor.staged.key,
    ConsumerCodeS3Key: consumerKey,
  };

  const body = await templateBody();
  const changeSet = await reporter.step(`Creating the change set (${type})`, async () => {
    try {
      return await prepareChangeSet(cfn, {
        stack: name,
        type,
        templateBody: body,
        parameters: values,
        tags: { 'streamproc:stack': name },
        pollMs: session.timings.changeSetPollMs,
        signal: options.signal,
      });
    } catch (error) {
      // A rejected first change set leaves an empty stack in REVIEW_IN_PROGRESS behind.
      if (type === 'CREATE') await deleteEmptyStack(session, name);
      throw error;
    }
  });

  if (!changeSet.hasChanges) {
    reporter.info(`No changes: stack ${name} is up to date.`);
    const current = await findStack(cfn, name);
    return finish({ options, session, stack: current, status: 'unchanged', changeSet, processor, values });
  }

  reporter.emit({ type: 'changeSet', changes: changeSet.changes });
  const destructive = destructiveChanges(changeSet.changes);
  if (destructive.length > 0) {
    const list = destructive
      .map((c) => `${c.logicalId} (${c.action === 'Remove' ? 'removed' : 'replaced'})`)
      .join(', ');
    let confirmed = false;
    try {
      confirmed = await options.confirm({
        message: `This deploy deletes or replaces ${list}; data in them is lost. Continue?`,
        flag: '--yes',
        resources: destructive.map((c) => c.logicalId),
      });
    } finally {
      if (!confirmed) await deleteChangeSet(cfn, changeSet.id, name);
    }
    if (!confirmed) {
      throw new UserError(`Deploy cancelled; stack ${name} is unchanged`, {
        hint: 'Run the deploy again and answer yes, or pass --yes, to apply those changes.',
        code: 'DEPLOY_CANCELLED',
      });
    }
  }

  await executeChangeSet(cfn, changeSet.id, name);
  const result = await watchStack({
    cfn,
    stackId: changeSet.stackId,
    stackName: name,
    startTime: changeSet.creationTime,
    operation: type === 'CREATE' ? 'creation' : 'update',
    resumeCommand: `streamproc deploy --stack ${name}`,
    reporter,
    signal: options.signal,
    timings: session.timings,
    profile: ctx.profile,
  });
  if (result.status !== 'CREATE_COMPLETE' && result.status !== 'UPDATE_COMPLETE') {
    throw stackFailure({ stack: name, operation: 'Deploy', result, reporter });
  }
  const current = await findStack(cfn, changeSet.stackId);
  return finish({
    options,
    session,
    stack: current,
    status: type === 'CREATE' ? 'created' : 'updated',
    changeSet,
    processor,
    values,
  });
}

async function deleteEmptyStack(session: AwsSession, name: string): Promise<void> {
  const { DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
  const stack = await findStack(session.cfn, name).catch(() => undefined);
  if (stack?.StackStatus === 'REVIEW_IN_PROGRESS') {
    await session.cfn.send(new DeleteStackCommand({ StackName: stack.StackId ?? name })).catch(() => undefined);
  }
}

interface FinishInput {
  options: DeployOptions;
  session: AwsSession;
  stack: Stack | undefined;
  status: DeployResult['status'];
  changeSet: PreparedChangeSet;
  processor: StagedProcessor;
  values: Record<string, string>;
}

/** Outputs read (and completed) and the result assembled. */
async function finish(input: FinishInput): Promise<DeployResult> {
  const { options, session, stack, changeSet } = input;
  const name = options.stack.name;
  if (!stack) {
    throw new UserError(`Stack ${name} disappeared during the deploy`, {
      hint: `Someone may have deleted it; run \`streamproc deploy --stack ${name}\` again.`,
      code: 'STACK_GONE',
    });
  }
  // The deploy service saves them into the stack's settings.
  const outputs = await completeOutputs(session.cfn, stack, session.ctx);
  return {
    stack: name,
    target: 'aws',
    status: input.status,
    changes: changeSet.changes.map(
      (c) =>
        `${c.action} ${c.logicalId} (${c.type})${c.replacement === 'True' ? ', replaced' : c.replacement === 'Conditional' ? ', may be replaced' : ''}`,
    ),
    resources: deployRows({ stack, outputs, values: input.values, ctx: session.ctx, staged: input.processor.staged }),
    outputs,
    skipped: [],
    details: {
      account: session.ctx.account,
      region: session.ctx.region,
      caller: session.ctx.arn,
      stackId: stack.StackId,
      console: stack.StackId ? consoleUrl(session.ctx.region, stack.StackId) : undefined,
      finalStatus: stack.StackStatus,
      changeSet: {
        id: changeSet.hasChanges ? changeSet.id : undefined,
        name: changeSet.name,
        type: changeSet.type,
        changes: changeSet.changes,
      },
      processor: {
        source: input.processor.source,
        sha256: input.processor.sha256,
        bucket: input.processor.staged.bucket,
        key: input.processor.staged.key,
        uploaded: input.processor.staged.uploaded,
      },
      parameters: input.values,
    },
  };
}
