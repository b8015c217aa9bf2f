/** A log group's events through FilterLogEvents: read from a start time, then polled for new ones, each once. */
import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { sleep } from '../sleep.js';
import type { LogEvent } from './log-line.js';

export interface CloudWatchEventsOptions {
  client: Pick<CloudWatchLogsClient, 'send'>;
  logGroupName: string;
  /** Epoch ms; FilterLogEvents' startTime. */
  sinceMs: number;
  /** CloudWatch filter pattern (the server-side part of --grep). */
  filterPattern?: string;
  follow?: boolean;
  signal: AbortSignal;
  /** Between polls when following; default 2 s (FilterLogEvents allows a few calls a second per account). */
  pollMs?: number;
  /**
   * Each poll reads again from the newest timestamp seen minus this, for events CloudWatch
   * ingests late with earlier timestamps (several streams, buffered agents). Default 10 s.
   */
  lookbackMs?: number;
  /** Default Date.now. */
  now?: () => number;
}

const THROTTLED = /^(ThrottlingException|LimitExceededException|TooManyRequestsException)$/;

function keyOf(event: FilteredLogEvent): string {
  return event.eventId ?? `${event.logStreamName}\u0000${event.timestamp}\u0000${event.message}`;
}

/**
 * Events oldest first (each page sorted, pages in order), then — following — what appeared since,
 * polled every `pollMs` until `signal` aborts. Each poll starts at the newest timestamp seen minus
 * `lookbackMs` and drops the event ids it has already returned; the ids remembered are pruned to
 * that window after every page, so memory stays bounded by one window of events. Errors propagate (the caller
 * names them); an abort ends the generator quietly.
 */
export async function* cloudWatchEvents(options: CloudWatchEventsOptions): AsyncGenerator<LogEvent> {
  const { signal } = options;
  const now = options.now ?? Date.now;
  const lookbackMs = options.lookbackMs ?? 10_000;
  const seen = new Map<string, number>();
  let newest: number | undefined;
  let throttled = 0;
  while (!signal.aborted) {
    const startTime = Math.max(options.sinceMs, newest === undefined ? options.sinceMs : newest - lookbackMs);
    let nextToken: string | undefined;
    do {
      let page: { events?: FilteredLogEvent[]; nextToken?: string };
      try {
        page = await options.client.send(
          new FilterLogEventsCommand({
            logGroupName: options.logGroupName,
            startTime,
            ...(options.filterPattern ? { filterPattern: options.filterPattern } : {}),
            ...(nextToken ? { nextToken } : {}),
          }),
          { abortSignal: signal },
        );
      } catch (error) {
        if (signal.aborted) return;
        // A follow outlives a busy account: it waits longer (up to 30 s) and polls again from the
        // same window, where the ids it remembers keep what it already printed from repeating.
        if (!options.follow || !THROTTLED.test((error as { name?: string }).name ?? '')) throw error;
        throttled += 1;
        break;
      }
      throttled = 0;
      const events = [...(page.events ?? [])].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
      for (const event of events) {
        const key = keyOf(event);
        const timestamp = event.timestamp ?? now();
        // Before the window (its id already forgotten): it was returned by an earlier poll.
        if (seen.has(key) || timestamp < startTime) continue;
        // Without following, pages never overlap: nothing needs remembering.
        if (options.follow) seen.set(key, timestamp);
        if (newest === undefined || timestamp > newest) newest = timestamp;
        yield {
          timestamp,
          stream: event.logStreamName ?? '-',
          message: (event.message ?? '').replace(/\n$/, ''),
          ...(event.eventId ? { eventId: event.eventId } : {}),
        };
      }
      nextToken = page.nextToken;
      // The next poll starts no earlier than this: older ids can never come back.
      if (newest !== undefined)
        for (const [key, timestamp] of seen) if (timestamp < newest - lookbackMs) seen.delete(key);
    } while (nextToken && !signal.aborted);
    if (!options.follow) return;
    const pollMs = options.pollMs ?? 2000;
    await sleep(throttled > 0 ? Math.min(30_000, pollMs * 2 ** throttled) : pollMs, signal);
  }
}
