/** The local target's logs: the function's rotating log file, or the engine's own log, as LogEvents. */
import { existsSync } from 'node:fs';
import { DEFAULT_STACK_NAME } from '../config/settings.js';
import { resourceName } from '../config/stack-name.js';
import { UserError } from '../errors.js';
import { decodeFunctionLogLine, functionLogFile } from '../local/engine/function-log-format.js';
import { stackEnginePaths } from '../local/engine/paths.js';
import { normalizePipeline, primaryFunction } from '../local/engine/pipeline-shape.js';
import type { LocalPipeline } from '../local/engine/protocol.js';
import { readJson } from '../local/engine/state.js';
import { CONSUMER_CODE_PARAMETER, noConsumer } from './consumer.js';
import { tailFile } from './file-tail.js';
import type { LogEvent } from './log-line.js';

export interface LocalLogsOptions {
  stack: string;
  /** The engine's own log (engine.log) instead of the function's. */
  engine?: boolean;
  /** The second consumer's log (`deploy --consumer`) instead of the processor's. */
  consumer?: boolean;
  follow?: boolean;
  signal: AbortSignal;
  pollMs?: number;
}

export interface LocalLogs {
  /** The file read (for messages). */
  file: string;
  events: AsyncGenerator<LogEvent>;
}

/**
 * Reading needs no running engine: the files outlive it (a crashed engine's last lines are what
 * one wants to read). A stack never deployed here has no data directory, which is an error; a
 * deployed one whose function has printed nothing yet has no file, which is just no lines
 * (following waits for the file to appear).
 */
export async function localLogs(options: LocalLogsOptions): Promise<LocalLogs> {
  const paths = stackEnginePaths(options.stack);
  if (!existsSync(paths.root)) {
    throw new UserError(`Stack ${options.stack} has not been deployed on this machine (no ${paths.root})`, {
      hint: `Run \`streamproc deploy${options.stack === DEFAULT_STACK_NAME ? '' : ` --stack ${options.stack}`}\` first.`,
      code: 'NOT_DEPLOYED',
    });
  }
  if (options.engine) {
    return { file: paths.log, events: engineEvents(paths.log, options) };
  }
  const saved = await readJson<LocalPipeline>(paths.pipeline);
  const pipeline = saved && normalizePipeline(saved);
  let name: string;
  if (options.consumer) {
    const consumer = pipeline?.functions.find((fn) => fn.codeParameter === CONSUMER_CODE_PARAMETER);
    if (!consumer) throw noConsumer(options.stack);
    name = consumer.name;
  } else {
    name = pipeline ? primaryFunction(pipeline).name : resourceName(options.stack, 'function');
  }
  const file = functionLogFile(paths.root, name);
  return { file, events: functionEvents(file, options) };
}

async function* functionEvents(file: string, options: LocalLogsOptions): AsyncGenerator<LogEvent> {
  let last = 0;
  const lines = tailFile({ ...options, file, rotated: [`${file}.2`, `${file}.1`] });
  for await (const text of lines) {
    if (text === '') continue;
    const line = decodeFunctionLogLine(text);
    // A line not in the file's format (the tail of a line cut in pieces) keeps its neighbour's time.
    if (!line) {
      yield { timestamp: last, stream: '-', message: text };
      continue;
    }
    last = line.timestamp;
    yield { timestamp: line.timestamp, stream: line.shardId ?? '-', source: line.source, message: line.message };
  }
}

/** engine.log is one JSON object per line with `time`; the function's lines in it are left to the function's log. */
async function* engineEvents(file: string, options: LocalLogsOptions): AsyncGenerator<LogEvent> {
  let last = 0;
  for await (const text of tailFile({ ...options, file })) {
    if (text === '') continue;
    let entry: { time?: unknown; msg?: unknown } | undefined;
    try {
      entry = JSON.parse(text) as { time?: unknown; msg?: unknown };
    } catch {
      entry = undefined;
    }
    if (entry?.msg === 'function') continue;
    const time = typeof entry?.time === 'string' ? Date.parse(entry.time) : Number.NaN;
    if (!Number.isNaN(time)) last = time;
    yield { timestamp: Number.isNaN(time) ? last : time, stream: 'engine', message: text };
  }
}
