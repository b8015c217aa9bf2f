/** One AWS operation's session: pre-flight, clients, timings, and fixable failures turned into UserErrors. */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { createCloudFormationClient, createS3Client } from '../../aws/clients.js';
import type { ResolvedStack } from '../../config/store.js';
import type { Reporter } from '../../progress.js';
import { asUserFacing } from './errors.js';
import { type AwsContext, preflight } from './preflight.js';
import { type AwsTimings, DEFAULT_TIMINGS } from './stack-watch.js';

/** How the aws target runs: injected by tests, defaults for the CLI. */
export interface AwsRunOptions {
  env?: NodeJS.ProcessEnv;
  timings?: Partial<AwsTimings>;
}

export interface AwsSession {
  ctx: AwsContext;
  cfn: CloudFormationClient;
  s3: S3Client;
  timings: AwsTimings;
  env: NodeJS.ProcessEnv;
}

/**
 * Pre-flight, then the clients for one operation; `work` runs with them and every fixable AWS
 * failure it throws becomes a UserError. Clients are closed afterwards.
 */
export async function withAwsSession<T>(
  stack: ResolvedStack,
  operation: string,
  reporter: Reporter,
  run: AwsRunOptions,
  work: (session: AwsSession) => Promise<T>,
): Promise<T> {
  const ctx = await reporter.step('Checking AWS credentials', () =>
    preflight({ stack: stack.name, settings: stack.settings, env: run.env, operation }),
  );
  const settings = { region: ctx.region, profile: stack.settings.profile };
  const [cfn, s3] = await Promise.all([createCloudFormationClient(settings), createS3Client(settings)]);
  try {
    return await work({
      ctx,
      cfn,
      s3,
      timings: { ...DEFAULT_TIMINGS, ...run.timings },
      env: run.env ?? process.env,
    });
  } catch (error) {
    throw asUserFacing(error, { operation, stack: stack.name, profile: ctx.profile });
  } finally {
    cfn.destroy();
    s3.destroy();
  }
}
