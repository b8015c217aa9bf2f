/** The engine's sink for what functions print: one rotating log file per function, lines stamped as received. */
import type { FunctionLogSink } from '../mapping/reports.js';
import { encodeFunctionLogLine, functionLogFile } from './function-log-format.js';
import { RotatingLogFile, type RotatingLogFileOptions } from './rotating-log-file.js';

export interface FunctionLogFilesOptions extends Omit<RotatingLogFileOptions, 'file'> {
  /** The stack's data directory; files go to `<root>/logs/<function>.log`. */
  stackRoot: string;
  /** Called once per failure to write (a full disk): the function keeps running, its lines are lost. */
  onError?: (error: Error, file: string) => void;
  /** Default `Date.now`. */
  now?: () => number;
}

/** CloudWatch Logs cuts an event at 256 KiB; a longer line here is cut the same way, so no line outgrows a file. */
export const MAX_LINE_BYTES = 256 * 1024;

/** Cuts `line` to at most `maxBytes` UTF-8 bytes (never inside a character), saying how much went. */
export function cutLine(line: string, maxBytes = MAX_LINE_BYTES): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= maxBytes) return line;
  // toString would turn a trailing partial character into U+FFFD; cut on a character boundary.
  let end = maxBytes;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')} …[cut ${bytes.length - end} bytes]`;
}

/**
 * Called by the function invoker for every line a worker printed and every platform line; keeps
 * one RotatingLogFile per function name, opened on first use.
 */
export class FunctionLogFiles {
  private readonly files = new Map<string, RotatingLogFile>();
  private readonly failing = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: FunctionLogFilesOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The FunctionLogSink to hand the mapping runner. */
  readonly sink: FunctionLogSink = (line, meta) => {
    const file = this.fileOf(meta.functionName);
    try {
      file.write(
        encodeFunctionLogLine({
          timestamp: this.now(),
          shardId: meta.shardId,
          source: meta.stream,
          message: cutLine(line),
        }),
      );
      this.failing.delete(file.file);
    } catch (error) {
      // Reported once per run of failures, not once per line.
      if (!this.failing.has(file.file)) this.options.onError?.(error as Error, file.file);
      this.failing.add(file.file);
      file.close();
    }
  };

  close(): void {
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }

  private fileOf(functionName: string): RotatingLogFile {
    let file = this.files.get(functionName);
    if (!file) {
      file = new RotatingLogFile({
        file: functionLogFile(this.options.stackRoot, functionName),
        maxBytes: this.options.maxBytes,
        keep: this.options.keep,
      });
      this.files.set(functionName, file);
    }
    return file;
  }
}
