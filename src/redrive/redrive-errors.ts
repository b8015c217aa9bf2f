/** What goes wrong during a redrive, as one line with the fix: permissions, credentials, an engine gone. */
import { InterruptedError, UserError } from '../errors.js';
import { awsUserError } from '../stack/aws/errors.js';
import type { FailureDestinationRef } from '../target.js';

export interface RedriveErrorContext {
  stack: string;
  target: string;
  profile?: string;
  ref: FailureDestinationRef;
}

/** The IAM actions redrive calls, named in the hint when one is denied. */
export const REDRIVE_ACTIONS = [
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'kinesis:GetShardIterator',
  'kinesis:GetRecords',
  'kinesis:PutRecords',
  'dynamodb:Query (with --rejected)',
  'dynamodb:DeleteItem (with --rejected)',
];

/** A UserError for what the user can fix; anything else unchanged. */
export function redriveError(error: unknown, context: RedriveErrorContext): unknown {
  if (error instanceof InterruptedError && !error.hint) {
    return new InterruptedError(error.message, {
      hint: `Run \`streamproc redrive\` again to finish: nothing was lost, and the batches already redriven are not repeated.`,
    });
  }
  if (error instanceof UserError) return error;
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const message = (e?.message ?? '').split('\n')[0] ?? '';
  if (e?.name === 'QueueDoesNotExist' || e?.name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new UserError(`The dead-letter queue of stack ${context.stack} does not exist`, {
      hint: `Run \`streamproc deploy --stack ${context.stack}\` to create it (or check the stack's region).`,
      code: 'QUEUE_NOT_FOUND',
      cause: error,
    });
  }
  if (e?.name === 'ResourceNotFoundException' && /stream/i.test(message)) {
    return new UserError(`The stream of stack ${context.stack} does not exist: ${message}`, {
      hint: `Run \`streamproc deploy --stack ${context.stack}\` first.`,
      code: 'STREAM_NOT_FOUND',
      cause: error,
    });
  }
  const errno = e?.cause?.code ?? e?.code ?? '';
  if (context.target === 'local' && (errno === 'ECONNREFUSED' || /ECONNREFUSED/.test(message))) {
    return new UserError(`The local engine for stack ${context.stack} stopped answering`, {
      hint: `Start it again with \`streamproc deploy --stack ${context.stack}\`, then redrive again: nothing was lost.`,
      code: 'ENGINE_NOT_RUNNING',
      cause: error,
    });
  }
  const aws = awsUserError(error, {
    operation: `redrive stack ${context.stack}`,
    stack: context.stack,
    profile: context.profile,
  });
  if (aws?.code === 'AWS_ACCESS_DENIED') {
    return new UserError(aws.message, {
      hint: `Redrive needs ${REDRIVE_ACTIONS.join(', ')} (see the README's IAM policy); nothing was lost, run it again once granted.`,
      code: aws.code,
      cause: error,
    });
  }
  return aws ?? error;
}
