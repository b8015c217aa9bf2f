/**
 * A failed stack operation as the user should read it: the root cause first (the earliest
 * failed resource and its reason), then the final status, and the next step for that status,
 * instead of a bare ROLLBACK_COMPLETE.
 */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { UserError } from '../../errors.js';
import type { Reporter } from '../../progress.js';
import { rootCause, type StackActivityResult } from './stack-events/stack-activity-monitor.js';
import { stackEventData } from './stack-events/stack-event-data.js';

export function describeEvent(event: StackEvent): string {
  const reason = (event.ResourceStatusReason ?? 'no reason given').replace(/\s+/g, ' ').trim();
  return `${event.LogicalResourceId} (${event.ResourceType}) ${event.ResourceStatus}: ${reason}`;
}

/** The next step for a stack left in `status`. */
export function recoveryHint(stack: string, status: string, cause?: StackEvent): string {
  switch (status) {
    case 'ROLLBACK_COMPLETE':
      return `Fix the cause, then run \`streamproc deploy --stack ${stack}\` again: it offers to delete the failed stack and create it anew.`;
    case 'ROLLBACK_FAILED':
      return `Run \`streamproc teardown --stack ${stack}\` to remove what is left, fix the cause, then deploy again.`;
    case 'UPDATE_ROLLBACK_COMPLETE':
      return `The stack was rolled back to its previous version and still works; fix the cause and run \`streamproc deploy --stack ${stack}\` again.`;
    case 'UPDATE_ROLLBACK_FAILED': {
      const skip = cause?.LogicalResourceId
        ? ` (or add --resources-to-skip ${cause.LogicalResourceId} if it cannot be fixed)`
        : '';
      return `Fix the failed resource, then run \`aws cloudformation continue-update-rollback --stack-name ${stack}\`${skip}, then deploy again.`;
    }
    case 'DELETE_FAILED': {
      const retain = cause?.LogicalResourceId
        ? `; to leave it behind instead: \`aws cloudformation delete-stack --stack-name ${stack} --retain-resources ${cause.LogicalResourceId}\``
        : '';
      return `Fix or remove ${cause?.PhysicalResourceId ?? 'the failed resource'} by hand, then run \`streamproc teardown --stack ${stack}\` again${retain}.`;
    }
    default:
      return `See the events above, or \`aws cloudformation describe-stack-events --stack-name ${stack}\`.`;
  }
}

/** Failures with the root cause moved to the front. */
export function causeFirst(failures: StackEvent[]): StackEvent[] {
  const cause = rootCause(failures);
  return cause ? [cause, ...failures.filter((e) => e !== cause)] : failures;
}

/**
 * Reports the failed resources (root cause first) and returns the UserError to throw:
 * "<operation> of stack X failed: <root cause>; the stack is now <status>".
 */
export function stackFailure(options: {
  stack: string;
  operation: 'Deploy' | 'Teardown';
  result: Pick<StackActivityResult, 'status' | 'reason' | 'failures'>;
  reporter: Reporter;
}): UserError {
  const { stack, result } = options;
  const ordered = causeFirst(result.failures);
  if (ordered.length > 0) options.reporter.emit({ type: 'failedResources', events: ordered.map(stackEventData) });
  const cause = ordered[0];
  const what = cause ? describeEvent(cause) : (result.reason ?? 'CloudFormation gave no reason');
  return new UserError(`${options.operation} of stack ${stack} failed: ${what}; the stack is now ${result.status}`, {
    hint: recoveryHint(stack, result.status, cause),
    code: 'STACK_FAILED',
  });
}
