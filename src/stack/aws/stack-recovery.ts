/**
 * Before a change set: an operation in progress is waited for, and a stack that cannot be
 * updated is recognised with its fix, instead of CloudFormation's raw ValidationError
 * ("… is in ROLLBACK_COMPLETE state and can not be updated").
 */
import type { Stack } from '@aws-sdk/client-cloudformation';
import { UserError } from '../../errors.js';
import type { Reporter } from '../../progress.js';
import type { ConfirmQuestion } from '../../target.js';
import { recoveryHint, stackFailure } from './failure.js';
import type { AwsSession } from './session.js';
import { isInProgress } from './stack-events/stack-activity-monitor.js';
import { findStack } from './stack-state.js';
import { watchStack } from './stack-watch.js';

export interface SettleOptions extends AwsSession {
  name: string;
  reporter: Reporter;
  confirm: (question: ConfirmQuestion) => Promise<boolean>;
  signal: AbortSignal;
}

/** The stack to update, or undefined when a new one must be created. */
export async function settleExistingStack(options: SettleOptions): Promise<Stack | undefined> {
  const { cfn, name, reporter } = options;
  const resume = `streamproc deploy --stack ${name}`;
  let existing = await findStack(cfn, name);
  if (!existing?.StackStatus) return undefined;
  const stackId = existing.StackId ?? name;

  if (isInProgress(existing.StackStatus)) {
    reporter.warn(`Stack ${name} is busy (${existing.StackStatus}); waiting for that operation to finish first`);
    await watchStack({
      ...options,
      stackId,
      stackName: name,
      operation: `operation already in progress (${existing.StackStatus})`,
      resumeCommand: resume,
      profile: options.ctx.profile,
    });
    existing = await findStack(cfn, stackId);
    if (!existing?.StackStatus) return undefined;
  }

  const status = existing.StackStatus ?? '';
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    const why = existing.StackStatusReason ? ` (${existing.StackStatusReason})` : '';
    const recreate = await options.confirm({
      message: `Stack ${name} is in ${status}: its first deploy failed${why} and it cannot be updated. Delete the failed stack and create it again?`,
      flag: '--yes',
    });
    if (!recreate) {
      throw new UserError(`Stack ${name} is in ${status} after a failed first deploy and cannot be updated`, {
        hint: `Run \`streamproc teardown --stack ${name}\`, then deploy again (or deploy with --yes to do both).`,
        code: 'STACK_ROLLED_BACK',
      });
    }
    const { DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
    reporter.info(`Deleting the failed stack ${name}`);
    // Start after the stack's current events, so only the deletion is shown.
    const result = await watchStack({
      ...options,
      stackId,
      stackName: name,
      operation: 'deletion of the failed stack',
      resumeCommand: resume,
      profile: options.ctx.profile,
      start: () => cfn.send(new DeleteStackCommand({ StackName: stackId })),
    });
    if (result.status !== 'DELETE_COMPLETE') {
      throw stackFailure({ stack: name, operation: 'Teardown', result, reporter });
    }
    return undefined;
  }
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    throw new UserError(
      `Stack ${name} is in UPDATE_ROLLBACK_FAILED: an earlier update failed and so did its rollback`,
      {
        hint: recoveryHint(name, status),
        code: 'STACK_ROLLBACK_FAILED',
      },
    );
  }
  if (status === 'DELETE_FAILED') {
    throw new UserError(`Stack ${name} is in DELETE_FAILED: an earlier teardown did not finish`, {
      hint: `Run \`streamproc teardown --stack ${name}\` to finish it, then deploy again.`,
      code: 'STACK_DELETE_FAILED',
    });
  }
  return existing;
}
