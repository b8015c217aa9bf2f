/**
 * Wires the poller and the monitor together for one stack operation, hands their activity to the
 * reporter as typed progress events (ui/ prints them), and turns Ctrl-C and lost credentials into
 * messages that say the operation goes on in CloudFormation.
 */
import type { CloudFormationClient, StackEvent } from '@aws-sdk/client-cloudformation';
import { InterruptedError, UserError } from '../../errors.js';
import type { ProgressEvent, Reporter } from '../../progress.js';
import { awsUserError } from './errors.js';
import {
  monitorStackActivity,
  type StackActivity,
  type StackActivityResult,
} from './stack-events/stack-activity-monitor.js';
import { stackEventData } from './stack-events/stack-event-data.js';
import { StackEventPoller } from './stack-events/stack-event-poller.js';
import { stackStatus } from './stack-state.js';

type Cfn = Pick<CloudFormationClient, 'send'>;

export interface AwsTimings {
  /** Stack event poll interval (default 2000 ms). */
  pollMs: number;
  /** Quiet spell before a "still in progress" line (default 20 s). */
  quietMs: number;
  /** Change set status poll interval (default 1000 ms). */
  changeSetPollMs: number;
  /** First throttling back-off (default 1000 ms). */
  throttleMs: number;
}

export const DEFAULT_TIMINGS: AwsTimings = { pollMs: 2000, quietMs: 20_000, changeSetPollMs: 1000, throttleMs: 1000 };

export interface WatchOptions {
  cfn: Cfn;
  /** Stack id (ARN): events and status stay readable after a delete. */
  stackId: string;
  /** The name, for messages. */
  stackName: string;
  /** Server time the operation started (change set creation), or undefined to start after the newest event. */
  startTime?: Date;
  /** What is going on, for messages: "deploy", "teardown", "the update already in progress". */
  operation: string;
  /** What to run to watch again after Ctrl-C. */
  resumeCommand: string;
  reporter: Reporter;
  signal: AbortSignal;
  timings: AwsTimings;
  profile?: string;
  /**
   * Starts the operation (DeleteStack) after the existing events were read, so that only the
   * operation's own events are reported.
   */
  start?: () => Promise<unknown>;
}

/** The progress event that reports one piece of stack activity. */
function activityEvent(activity: StackActivity): ProgressEvent {
  return activity.type === 'event'
    ? { type: 'stackEvent', event: stackEventData(activity.event) }
    : { type: 'stillInProgress', seconds: activity.seconds, resources: activity.inProgress };
}

/** The newest existing events, so a watch that starts now reports only what happens next. */
async function history(cfn: Cfn, stackId: string): Promise<StackEvent[]> {
  const { DescribeStackEventsCommand } = await import('@aws-sdk/client-cloudformation');
  const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return page.StackEvents ?? [];
}

export async function watchStack(options: WatchOptions): Promise<StackActivityResult> {
  const { cfn, stackId, stackName, reporter } = options;
  const continues = `the ${options.operation} of stack ${stackName} continues in CloudFormation`;
  try {
    let startTime = options.startTime;
    let seen: StackEvent[] = [];
    if (!startTime) {
      seen = await history(cfn, stackId);
      startTime = seen[0]?.Timestamp ?? new Date(0);
    }
    const poller = new StackEventPoller({
      client: cfn,
      stack: stackId,
      startTime,
      throttleDelayMs: options.timings.throttleMs,
    });
    poller.markSeen(seen);
    await options.start?.();
    const result = await monitorStackActivity({
      poller,
      stackName: stackId,
      describeStatus: () => stackStatus(cfn, stackId),
      onActivity: (activity) => reporter.emit(activityEvent(activity)),
      intervalMs: options.timings.pollMs,
      quietMs: options.timings.quietMs,
      signal: options.signal,
    });
    if (result.interrupted) {
      throw new InterruptedError(`Stopped watching; ${continues} (last status ${result.status})`, {
        hint: `Run \`${options.resumeCommand}\` to watch it again, or \`aws cloudformation describe-stack-events --stack-name ${stackName}\`.`,
      });
    }
    return result;
  } catch (error) {
    if (error instanceof UserError) throw error;
    const fixable = awsUserError(error, {
      operation: `watch stack ${stackName}`,
      stack: stackName,
      profile: options.profile,
    });
    if (!fixable) throw error;
    throw new UserError(`${fixable.message} while watching; ${continues}`, {
      hint: `${fixable.hint ?? ''} Then run \`${options.resumeCommand}\` to watch it again.`.trim(),
      code: fixable.code,
      cause: error,
    });
  }
}
