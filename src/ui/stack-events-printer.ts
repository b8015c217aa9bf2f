/**
 * Turns CloudFormation stack events into lines for a person (the printer of CDK's
 * poller → monitor → printer split). Pure functions: the caller decides where lines go.
 *
 *   12:01:07  CREATE_IN_PROGRESS   AWS::Kinesis::Stream       EventStream  Resource creation Initiated
 */
import type { StackEventData } from '../progress.js';
import { type Paint, painter } from './style.js';

export interface StackEventsPrinterOptions {
  /** ANSI colours; only when a person is looking at a terminal (default false). */
  color?: boolean;
  /** Show times in UTC instead of local time (tests, logs shared across zones). Default false. */
  utc?: boolean;
}

const STATUS_WIDTH = 28;
const TYPE_WIDTH = 34;

/** Colour of a status: failures red, rollbacks yellow, completions green, the rest plain. */
export function statusColor(status: string): 'red' | 'yellow' | 'green' | undefined {
  if (status.endsWith('_FAILED')) return 'red';
  if (status.includes('ROLLBACK')) return 'yellow';
  if (status.endsWith('_COMPLETE')) return 'green';
  return undefined;
}

function paintStatus(paint: Paint, status: string): string {
  const padded = status.padEnd(STATUS_WIDTH);
  const color = statusColor(status);
  return color ? paint[color](padded) : padded;
}

function clock(date: Date | undefined, utc: boolean): string {
  if (!date) return '--:--:--';
  const parts = utc
    ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    : [date.getHours(), date.getMinutes(), date.getSeconds()];
  return parts.map((n) => String(n).padStart(2, '0')).join(':');
}

/** Reasons sometimes span lines (nested stack failures); one event stays one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** One event as one line: time, status (coloured), resource type, logical id, reason. */
export function formatStackEvent(event: StackEventData, options: StackEventsPrinterOptions = {}): string {
  const paint = painter(options.color ?? false);
  const status = event.status ?? 'UNKNOWN';
  const reason = event.reason ? oneLine(event.reason) : '';
  const line = [
    paint.gray(clock(event.timestamp, options.utc ?? false)),
    paintStatus(paint, status),
    (event.resourceType ?? '').padEnd(TYPE_WIDTH),
    paint.bold(event.logicalId ?? ''),
    reason && (status.endsWith('_FAILED') ? paint.red(reason) : reason),
  ];
  return line.join('  ').trimEnd();
}

/** The quiet-spell line: CloudFormation is working but has reported nothing for a while. */
export function formatStillInProgress(seconds: number, inProgress: string[]): string {
  const waiting =
    inProgress.length > 0
      ? ` (waiting on ${inProgress.slice(0, 4).join(', ')}${inProgress.length > 4 ? ', …' : ''})`
      : '';
  return `still in progress after ${Math.round(seconds)}s${waiting}`;
}

/** The summary after a failed operation: each failed resource with its reason, root cause first. */
export function formatFailedResources(failures: StackEventData[], options: StackEventsPrinterOptions = {}): string[] {
  if (failures.length === 0) return [];
  const paint = painter(options.color ?? false);
  return [
    paint.bold('Failed resources:'),
    ...failures.map(
      (event) =>
        `  ${paint.red(event.logicalId ?? '?')} (${event.resourceType ?? '?'}) ${event.status ?? ''}: ${oneLine(event.reason ?? 'no reason given')}`,
    ),
  ];
}
