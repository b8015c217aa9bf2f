/**
 * What deploy and teardown check before touching anything: a valid stack name, a region, a
 * profile, and credentials that work (STS GetCallerIdentity), so that every fixable problem is
 * one line with the fix instead of a failure half-way through.
 */
import { createStsClient } from '../../aws/clients.js';
import type { StackSettings } from '../../config/settings.js';
import { regionProblem, stackNameProblem } from '../../config/stack-name.js';
import { UserError } from '../../errors.js';
import { awsUserError } from './errors.js';

export interface AwsContext {
  region: string;
  profile?: string;
  account: string;
  /** The caller's ARN (user, role session, SSO role). */
  arn: string;
}

/** settings.region, else AWS_REGION / AWS_DEFAULT_REGION; a UserError naming the fix otherwise. */
export function resolveRegion(stack: string, settings: StackSettings, env: NodeJS.ProcessEnv = process.env): string {
  const region = settings.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  if (!region) {
    throw new UserError(`No AWS region for stack "${stack}"`, {
      hint: `Run \`streamproc init --stack ${stack} --target aws --region eu-west-1\` (your region), or set AWS_REGION.`,
      code: 'AWS_NO_REGION',
    });
  }
  const problem = regionProblem(region);
  if (problem) {
    throw new UserError(problem, {
      hint: `Fix it with \`streamproc init --stack ${stack} --region <region>\` or AWS_REGION.`,
      code: 'AWS_BAD_REGION',
    });
  }
  return region;
}

export function resolveProfile(settings: StackSettings, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return settings.profile ?? (env.AWS_PROFILE || undefined);
}

export interface PreflightOptions {
  stack: string;
  settings: StackSettings;
  env?: NodeJS.ProcessEnv;
  /** What the caller is about to do, for messages ("deploy stack demo"). */
  operation: string;
}

export async function preflight(options: PreflightOptions): Promise<AwsContext> {
  const problem = stackNameProblem(options.stack);
  if (problem) {
    throw new UserError(problem, { hint: 'Pass --stack with a valid name.', exit: 2, code: 'STACK_NAME' });
  }
  const region = resolveRegion(options.stack, options.settings, options.env);
  // A profile from settings is passed explicitly; AWS_PROFILE is read by the SDK's default chain.
  const profile = resolveProfile(options.settings, options.env);
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = await createStsClient({ region, profile: options.settings.profile });
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account || !identity.Arn) throw new Error('GetCallerIdentity returned no account');
    return { region, profile, account: identity.Account, arn: identity.Arn };
  } catch (error) {
    throw awsUserError(error, { operation: options.operation, stack: options.stack, profile }) ?? error;
  } finally {
    sts.destroy();
  }
}
