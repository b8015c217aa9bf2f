/** The file source: replays newline-delimited JSON from a file or stdin; notices and bad lines counted. */
import { closeSync, constants, openSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.js';
import { HandleCache } from '../bluesky/handle-cache.js';
import { readPayloadLine } from '../normalise.js';
import { excerptOf, type IngestSource, pacer, type SourceItem, type SourceState } from './source.js';

/**
 * Replays newline-delimited JSON (v2 stream messages and response pages, v1.1 statuses and stream
 * notices, Jetstream events as `--record` captures them, or streamproc's own events, as a given-up file holds them) from a file or stdin. Lines
 * are split on bytes and decoded strictly, so binary garbage becomes counted bad lines rather than
 * a crash or mangled text. A page line yields each of its posts; notices are reported, not sent.
 */

/** Longer lines are reported and skipped without being held in memory. */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface FileReplayOptions {
  /** Records per second; undefined replays as fast as the stream takes them. */
  rate?: number;
  /** `--from-line`: skip the input's lines before this one (1-based), to resume a run. */
  fromLine?: number;
  onState?: (state: SourceState) => void;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Splits a byte stream into lines; over-long lines come out as `{tooLong}` once, without their bytes. */
export async function* byteLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | { tooLong: number }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!skipping) {
        pending.push(chunk.subarray(start, end));
        pendingBytes += end - start;
        if (pendingBytes > MAX_LINE_BYTES) {
          skipping = true;
          pending = [];
        }
      } else pendingBytes += end - start;
      if (nl === -1) break;
      yield skipping ? { tooLong: pendingBytes } : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      skipping = false;
      start = nl + 1;
    }
  }
  if (skipping) yield { tooLong: pendingBytes };
  else if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Decodes and normalises lines; empty lines are skipped, everything else is posts, notices or a bad line. */
export async function* replayItems(
  input: AsyncIterable<Buffer | string>,
  signal: AbortSignal,
  rate?: number,
  fromLine = 1,
): AsyncGenerator<SourceItem> {
  const pace = pacer(rate, signal);
  // Handles named by a capture's Jetstream identity lines; no lookups: a replay stays offline.
  const context = { handles: new HandleCache() };
  let lineNo = 0;
  for await (const line of byteLines(input)) {
    if (signal.aborted) return;
    lineNo += 1;
    if (lineNo < fromLine) continue;
    if (!Buffer.isBuffer(line)) {
      yield {
        kind: 'bad',
        bad: {
          line: lineNo,
          reason: `line is ${line.tooLong} bytes, over the ${MAX_LINE_BYTES}-byte limit`,
          excerpt: '',
        },
      };
      continue;
    }
    let text: string;
    try {
      text = decoder.decode(line);
    } catch {
      yield {
        kind: 'bad',
        bad: { line: lineNo, reason: 'not valid UTF-8', excerpt: excerptOf(line.toString('utf8')) },
      };
      continue;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length === 0) continue;
    for (const outcome of readPayloadLine(text, 'replay', context)) {
      if (outcome.kind === 'bad') {
        yield { kind: 'bad', bad: { line: lineNo, reason: outcome.reason, excerpt: excerptOf(text) } };
      } else if (outcome.kind === 'notice') {
        yield { kind: 'notice', notice: { line: lineNo, ...outcome.notice } };
      } else {
        await pace();
        yield { kind: 'event', event: outcome.event, line: lineNo };
      }
    }
  }
}

/**
 * Opens the replay input now (so a missing file fails before anything else happens);
 * `path` `-` is stdin.
 */
export async function openFileReplay(path: string, options: FileReplayOptions = {}): Promise<IngestSource> {
  let opened: () => Promise<Readable>;
  let fifo = false;
  if (path === '-') {
    opened = async () => process.stdin;
  } else {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
      if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      // Opening a FIFO waits for its writer: that happens in items(), where Ctrl-C can end the wait.
      fifo = info.isFIFO();
      const handle = fifo ? undefined : await open(path, 'r');
      opened = async () => (handle ?? (await open(path, 'r'))).createReadStream({ highWaterMark: 256 * 1024 });
    } catch (error) {
      throw replayFileError(path, error);
    }
  }
  let waiting: { fifo: string } | undefined;
  return {
    name: path === '-' ? 'stdin' : 'file',
    async *items(signal) {
      options.onState?.({ state: 'reading', detail: path === '-' ? 'stdin' : path });
      let stream: Readable | undefined;
      let unblocking: NodeJS.Timeout | undefined;
      const stop = () => {
        stream?.destroy();
        // An open() blocked on a FIFO with no writer holds a thread that Ctrl-C cannot interrupt,
        // and that even process.exit waits for; opening the write end ourselves completes it. The
        // open may not have reached the FIFO yet (a busy thread pool): try until it has.
        const unblock = () => {
          if (waiting) unblockFifo(waiting.fifo);
          else clearInterval(unblocking);
        };
        unblock();
        if (waiting) unblocking = setInterval(unblock, 20);
      };
      signal.addEventListener('abort', stop, { once: true });
      try {
        if (fifo) waiting = { fifo: path };
        stream = await opened();
        waiting = undefined;
        if (signal.aborted) return;
        yield* replayItems(stream, signal, options.rate, options.fromLine);
      } catch (error) {
        if (!signal.aborted) throw error;
      } finally {
        waiting = undefined;
        clearInterval(unblocking);
        signal.removeEventListener('abort', stop);
        if (path !== '-') stream?.destroy();
        options.onState?.({ state: signal.aborted ? 'stopped' : 'done' });
      }
    },
  };
}

function unblockFifo(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // Not a FIFO, or nobody blocked on it (ENXIO): nothing to unblock.
  }
}

function replayFileError(path: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES'
        ? 'is not readable'
        : code === 'EISDIR'
          ? 'is a directory'
          : (error as Error).message;
  return new UserError(`Replay file ${path} ${why}`, {
    hint: 'Pass --file with a newline-delimited JSON file of tweets, or --file - to read stdin.',
    code: 'REPLAY_FILE',
  });
}
