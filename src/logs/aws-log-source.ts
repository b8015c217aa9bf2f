/** The aws target's logs: the processor's CloudWatch log group, its failures named. */
import { createCloudWatchLogsClient } from '../aws/clients.js';
import { resourceName } from '../config/stack-name.js';
import type { ResolvedStack } from '../config/store.js';
import { UserError } from '../errors.js';
import { awsUserError } from '../stack/aws/errors.js';
import { resolveProfile, resolveRegion } from '../stack/aws/preflight.js';
import { cloudWatchEvents } from './cloudwatch-events.js';
import { noConsumer } from './consumer.js';
import type { LogEvent } from './log-line.js';

export interface AwsLogsOptions {
  stack: ResolvedStack;
  /** The second consumer's log group (`deploy --consumer`) instead of the processor's. */
  consumer?: boolean;
  sinceMs: number;
  filterPattern?: string;
  follow?: boolean;
  signal: AbortSignal;
  pollMs?: number;
  env?: NodeJS.ProcessEnv;
  /** For tests: the client to read through (default: one from the stack's region and profile). */
  client?: Parameters<typeof cloudWatchEvents>[0]['client'];
}

export interface AwsLogs {
  logGroupName: string;
  region: string;
  events: AsyncGenerator<LogEvent>;
}

/**
 * The template's log group: `/aws/lambda/<function name>`, the name from the last deploy's outputs
 * (`FunctionName`, or `ConsumerFunctionName` for the second consumer, which the outputs list only
 * while the stack has one).
 */
export function functionLogGroup(stack: ResolvedStack, consumer = false): string {
  const outputs = stack.settings.outputs;
  if (consumer) {
    if (outputs && !outputs.ConsumerFunctionName) throw noConsumer(stack.name);
    return `/aws/lambda/${outputs?.ConsumerFunctionName ?? `${stack.name}-Consumer`}`;
  }
  const functionName = outputs?.FunctionName ?? resourceName(stack.name, 'function');
  return `/aws/lambda/${functionName}`;
}

/** The error a user can act on for a failed FilterLogEvents, or undefined (a bug or an outage). */
export function logsUserError(
  error: unknown,
  ctx: { stack: string; logGroupName: string; region: string; profile?: string },
) {
  const name = (error as { name?: string })?.name ?? '';
  if (name === 'ResourceNotFoundException') {
    // The template creates the group with the function: a missing one means no deployed stack here.
    return new UserError(
      `Log group ${ctx.logGroupName} does not exist in ${ctx.region}: stack ${ctx.stack} is not deployed there`,
      {
        hint: `Run \`streamproc deploy --stack ${ctx.stack}\` (it creates the log group), or check the stack's region (\`streamproc init --stack ${ctx.stack} --region …\`).`,
        code: 'LOG_GROUP_NOT_FOUND',
        cause: error,
      },
    );
  }
  if (/^(AccessDenied|AccessDeniedException|UnauthorizedOperation)$/.test(name)) {
    return new UserError(`AWS denied logs:FilterLogEvents on log group ${ctx.logGroupName}`, {
      hint: 'Allow logs:FilterLogEvents on the log group (see "Permissions the deploying identity needs" in the README), or use another profile.',
      code: 'AWS_ACCESS_DENIED',
      cause: error,
    });
  }
  return awsUserError(error, {
    operation: `read the logs of stack ${ctx.stack}`,
    stack: ctx.stack,
    profile: ctx.profile,
  });
}

export async function awsLogs(options: AwsLogsOptions): Promise<AwsLogs> {
  const { stack } = options;
  const env = options.env ?? process.env;
  const region =
    stack.settings.region ?? stack.settings.outputs?.Region ?? resolveRegion(stack.name, stack.settings, env);
  const profile = resolveProfile(stack.settings, env);
  const logGroupName = functionLogGroup(stack, options.consumer);
  const client = options.client ?? (await createCloudWatchLogsClient({ region, profile }));
  const ctx = { stack: stack.name, logGroupName, region, profile };
  async function* events(): AsyncGenerator<LogEvent> {
    try {
      yield* cloudWatchEvents({
        client,
        logGroupName,
        sinceMs: options.sinceMs,
        filterPattern: options.filterPattern,
        follow: options.follow,
        signal: options.signal,
        pollMs: options.pollMs,
      });
    } catch (error) {
      throw logsUserError(error, ctx) ?? error;
    } finally {
      if (!options.client) (client as { destroy?: () => void }).destroy?.();
    }
  }
  return { logGroupName, region, events: events() };
}
