/**
 * Recognises the AWS failures a user can fix (no credentials, expired or rejected credentials,
 * missing permissions, an unreachable endpoint) and turns them into one-line UserErrors with the
 * fix. Anything else is returned unchanged: it is a bug or an outage, not the user's to fix.
 */
import { UserError } from '../../errors.js';

export interface AwsErrorContext {
  /** What streamproc was doing, e.g. "deploy stack demo". */
  operation: string;
  stack: string;
  profile?: string;
}

function fields(error: unknown): { name: string; code: string; message: string } {
  const e = (error ?? {}) as { name?: string; Code?: string; code?: string; message?: string };
  return { name: e.name ?? '', code: e.Code ?? e.code ?? '', message: e.message ?? String(error) };
}

const EXPIRED = /^(ExpiredToken|ExpiredTokenException|RequestExpired|TokenRefreshRequired)$/;
const REJECTED =
  /^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidAccessKeyId|IncompleteSignature)$/;
const DENIED = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError)$/;
const UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|TimeoutError)$/;

export function isExpiredCredentials(error: unknown): boolean {
  const { name, code, message } = fields(error);
  return (
    EXPIRED.test(name) ||
    EXPIRED.test(code) ||
    /security token included in the request is expired|token has expired/i.test(message)
  );
}

/** Credentials that AWS refused or that expired, or a call they may not make: what a rotated key causes. */
export function isAuthFailure(error: unknown): boolean {
  const { name, code } = fields(error);
  return isExpiredCredentials(error) || [REJECTED, DENIED].some((re) => re.test(name) || re.test(code));
}

export function isMissingCredentials(error: unknown): boolean {
  const { name, message } = fields(error);
  return name === 'CredentialsProviderError' || /could not load credentials/i.test(message);
}

function profileHint(ctx: AwsErrorContext): string {
  return ctx.profile
    ? `Sign in again for profile "${ctx.profile}" (e.g. \`aws sso login --profile ${ctx.profile}\`)`
    : 'Refresh your credentials (e.g. `aws sso login`, or new AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN)';
}

/** The UserError for a fixable AWS failure, or undefined when `error` is not one. */
export function awsUserError(error: unknown, ctx: AwsErrorContext): UserError | undefined {
  if (error instanceof UserError) return error;
  const { name, code, message } = fields(error);
  const first = message.split('\n')[0] ?? message;
  if (isMissingCredentials(error)) {
    return new UserError(`No AWS credentials found to ${ctx.operation}`, {
      hint: ctx.profile
        ? `Check that profile "${ctx.profile}" exists in ~/.aws/config (or run \`aws sso login --profile ${ctx.profile}\`).`
        : `Run \`aws configure\` or \`aws sso login\`, set AWS_PROFILE, or save a profile with \`streamproc init --stack ${ctx.stack} --profile NAME\`.`,
      code: 'AWS_NO_CREDENTIALS',
      cause: error,
    });
  }
  if (isExpiredCredentials(error)) {
    return new UserError(`The AWS credentials have expired (${first})`, {
      hint: `${profileHint(ctx)}, then run the command again.`,
      code: 'AWS_CREDENTIALS_EXPIRED',
      cause: error,
    });
  }
  if (REJECTED.test(name) || REJECTED.test(code)) {
    return new UserError(`AWS rejected the credentials (${name || code}: ${first})`, {
      hint: 'Check the access key in your profile or environment; it may be deleted, mistyped or for another partition.',
      code: 'AWS_CREDENTIALS_REJECTED',
      cause: error,
    });
  }
  if (DENIED.test(name) || DENIED.test(code)) {
    return new UserError(`AWS denied a call needed to ${ctx.operation}: ${first}`, {
      hint: 'Grant the deploying identity the permissions in the README ("IAM policy for deploy"), or use another profile.',
      code: 'AWS_ACCESS_DENIED',
      cause: error,
    });
  }
  const errno = (error as { code?: string; cause?: { code?: string } })?.cause?.code ?? code;
  if (UNREACHABLE.test(errno) || UNREACHABLE.test(name)) {
    const override = process.env.AWS_ENDPOINT_URL ? ` (AWS_ENDPOINT_URL=${process.env.AWS_ENDPOINT_URL})` : '';
    return new UserError(`Cannot reach the AWS endpoint to ${ctx.operation}${override}: ${first}`, {
      hint: 'Check your network and proxy settings, and AWS_ENDPOINT_URL* if you set them.',
      code: 'AWS_UNREACHABLE',
      cause: error,
    });
  }
  return undefined;
}

/** `awsUserError(error) ?? error`, for `catch` blocks that rethrow. */
export function asUserFacing(error: unknown, ctx: AwsErrorContext): unknown {
  return awsUserError(error, ctx) ?? error;
}
