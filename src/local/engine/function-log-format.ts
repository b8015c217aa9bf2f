/** The line format of the function log files (`<data>/stacks/<stack>/logs/<function>.log`): the daemon writes it, `logs` reads it. */
import { join } from 'node:path';

/**
 * One line per line the function printed (or per platform line: START, END, REPORT, timeouts),
 * tab-separated, so the file reads well with `tail -f` and splits without a JSON parser:
 *
 *   <ISO time received>\t<shard id or ->\t<stdout|stderr|platform>\t<the line as printed>
 *
 * The time is when the engine received the line, as CloudWatch stamps an event on ingestion;
 * the line itself is never changed (it may hold tabs, and `\r` where one console call printed
 * several lines).
 */

export type FunctionLogSource = 'stdout' | 'stderr' | 'platform';

export interface FunctionLogLine {
  /** Epoch ms. */
  timestamp: number;
  shardId?: string;
  source: FunctionLogSource;
  message: string;
}

/** The directory of the function log files under a stack's data directory. */
export function functionLogDir(stackRoot: string): string {
  return join(stackRoot, 'logs');
}

/** The log file of one function (its rotated predecessors are `<file>.1`, `<file>.2`). */
export function functionLogFile(stackRoot: string, functionName: string): string {
  // Function names are letters, digits, hyphens and underscores; anything else must not make a path.
  return join(functionLogDir(stackRoot), `${functionName.replace(/[^A-Za-z0-9_-]/g, '_')}.log`);
}

export function encodeFunctionLogLine(line: FunctionLogLine): string {
  return `${new Date(line.timestamp).toISOString()}\t${line.shardId ?? '-'}\t${line.source}\t${line.message}\n`;
}

const SOURCES = new Set<string>(['stdout', 'stderr', 'platform']);

/** The fields of one line of the file (without its newline); undefined when it is not in the format. */
export function decodeFunctionLogLine(text: string): FunctionLogLine | undefined {
  const first = text.indexOf('\t');
  const second = first < 0 ? -1 : text.indexOf('\t', first + 1);
  const third = second < 0 ? -1 : text.indexOf('\t', second + 1);
  if (third < 0) return undefined;
  const timestamp = Date.parse(text.slice(0, first));
  const shard = text.slice(first + 1, second);
  const source = text.slice(second + 1, third);
  if (Number.isNaN(timestamp) || !SOURCES.has(source)) return undefined;
  return {
    timestamp,
    ...(shard === '-' ? {} : { shardId: shard }),
    source: source as FunctionLogSource,
    message: text.slice(third + 1),
  };
}
