/**
 * Reads a stack's new events (the poller of CDK's poller → monitor → printer split). CloudFormation
 * returns events newest first, a page at a time; the poller reads pages until it reaches an event
 * it has seen or one older than the operation, and hands back only the new ones, oldest first.
 */
import type { CloudFormationClient, StackEvent } from '@aws-sdk/client-cloudformation';

export interface StackEventPollerOptions {
  client: Pick<CloudFormationClient, 'send'>;
  /** Stack id (ARN) preferred: events of a deleted stack are only readable by id. */
  stack: string;
  /**
   * Events before this are history, not this operation. Use a server time (the change set's
   * creation time, or the newest event before the operation) to stay clear of local clock skew.
   */
  startTime: Date;
  /** Retries of a throttled DescribeStackEvents before giving up (default 6). */
  maxThrottleRetries?: number;
  /** First back-off delay in ms, doubled per retry up to 20 s (default 1000). */
  throttleDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; message?: string };
  return THROTTLING.has(e?.name ?? '') || THROTTLING.has(e?.Code ?? '') || /rate exceeded/i.test(e?.message ?? '');
}

/** EventId, or a stand-in built from what identifies an event when a fake omits it. */
function eventKey(event: StackEvent): string {
  return event.EventId ?? `${event.LogicalResourceId}/${event.ResourceStatus}/${event.Timestamp?.getTime()}`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StackEventPoller {
  private readonly seen = new Set<string>();
  private readonly options: Required<Omit<StackEventPollerOptions, 'client' | 'stack' | 'startTime'>>;
  /** How many throttled calls were absorbed (for tests and --debug). */
  throttled = 0;

  constructor(private readonly config: StackEventPollerOptions) {
    this.options = {
      maxThrottleRetries: config.maxThrottleRetries ?? 6,
      throttleDelayMs: config.throttleDelayMs ?? 1000,
      sleep: config.sleep ?? defaultSleep,
    };
  }

  /** Treats these events as already reported (the history before an operation starts). */
  markSeen(events: StackEvent[]): void {
    for (const event of events) this.seen.add(eventKey(event));
  }

  /** Events that appeared since the last call, oldest first. */
  async poll(): Promise<StackEvent[]> {
    const { DescribeStackEventsCommand } = await import('@aws-sdk/client-cloudformation');
    const fresh: StackEvent[] = [];
    let nextToken: string | undefined;
    pages: do {
      const page = await this.withBackoff(() =>
        this.config.client.send(new DescribeStackEventsCommand({ StackName: this.config.stack, NextToken: nextToken })),
      );
      for (const event of page.StackEvents ?? []) {
        if (event.Timestamp && event.Timestamp < this.config.startTime) break pages;
        // Everything after a seen event is older and was seen with it.
        if (this.seen.has(eventKey(event))) break pages;
        fresh.push(event);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    for (const event of fresh) this.seen.add(eventKey(event));
    return fresh.reverse();
  }

  private async withBackoff<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        if (!isThrottling(error) || attempt >= this.options.maxThrottleRetries) throw error;
        this.throttled += 1;
        await this.options.sleep(Math.min(20_000, this.options.throttleDelayMs * 2 ** attempt));
      }
    }
  }
}
