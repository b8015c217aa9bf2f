/** `logs --consumer`: which function is the second consumer, and the error when the stack has none. */
import { DEFAULT_STACK_NAME } from '../config/settings.js';
import { UserError } from '../errors.js';

/** The template parameter that holds the consumer's code; its function is the consumer. */
export const CONSUMER_CODE_PARAMETER = 'ConsumerCodeS3Key';

export function noConsumer(stack: string): UserError {
  const stackFlag = stack === DEFAULT_STACK_NAME ? '' : ` --stack ${stack}`;
  return new UserError(`Stack ${stack} has no second consumer`, {
    hint: `Add one with \`streamproc deploy${stackFlag} --consumer ./handler.ts\`, or leave out --consumer to read the processor's log.`,
    code: 'NO_CONSUMER',
    exit: 2,
  });
}
