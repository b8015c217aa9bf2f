/** DynamoDB failures while browsing as one-line errors the user can act on. */
import { UserError } from '../errors.js';

/**
 * Turns what DynamoDB (or the local emulator) says into one line the user can act on. Anything
 * not recognised is returned unchanged: it is a bug or an outage, not something to reword.
 */
export function translateTableError(error: unknown, context: { tableName: string; endpoint?: string }): unknown {
  const e = error as { name?: string; code?: string; message?: string; errno?: string; cause?: { code?: string } };
  const name = e?.name ?? '';
  const message = e?.message ?? '';
  if (name === 'ResourceNotFoundException') {
    return new UserError(`Table ${context.tableName} does not exist`, {
      hint: 'Run `streamproc deploy` to create the stack (or pass --stack for another one).',
      code: 'TABLE_NOT_FOUND',
      cause: error,
    });
  }
  if (name === 'ValidationException' && /index/i.test(message)) {
    return new UserError(`Table ${context.tableName} has no ByTime index, so browse cannot read it newest-first`, {
      hint: 'Run `streamproc deploy` to update the stack to the current template.',
      code: 'TABLE_LAYOUT',
      cause: error,
    });
  }
  const code = e?.code ?? e?.errno ?? e?.cause?.code ?? '';
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return new UserError(`Cannot reach DynamoDB${context.endpoint ? ` at ${context.endpoint}` : ''}`, {
      hint: 'Is the local engine running? Start it with `streamproc deploy`.',
      code: 'ENGINE_NOT_RUNNING',
      cause: error,
    });
  }
  if (
    name === 'UnrecognizedClientException' ||
    name === 'CredentialsProviderError' ||
    name === 'ExpiredTokenException' ||
    name === 'AccessDeniedException'
  ) {
    return new UserError(`AWS refused to read ${context.tableName}: ${message.split('\n')[0]}`, {
      hint: 'Check the AWS profile and region of this stack (`streamproc init`) and your credentials.',
      code: 'AWS_CREDENTIALS',
      cause: error,
    });
  }
  return error;
}
