/** The file source: replays newline-delimited JSON from a file or stdin; notices and bad lines counted. */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.js';
import { readPayloadLine } from '../normalise.js';
import { excerptOf, type IngestSource, pacer, type SourceItem, type SourceState } from './source.js';

/**
 * Replays newline-delimited JSON (v2 stream messages and response pages, v1.1 statuses and stream
 * notices, or streamproc's own events, as a given-up file holds them) from a file or stdin. Lines
 * are split on bytes and decoded strictly, so binary garbage becomes counted bad lines rather than
 * a crash or mangled text. A page line yields each of its posts; notices are reported, not sent.
 */

/** Longer lines are reported and skipped without being held in memory. */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface FileReplayOptions {
  /** Records per second; undefined replays as fast as the stream takes them. */
  rate?: number;
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
): AsyncGenerator<SourceItem> {
  const pace = pacer(rate, signal);
  let lineNo = 0;
  for await (const line of byteLines(input)) {
    if (signal.aborted) return;
    lineNo += 1;
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
    for (const outcome of readPayloadLine(text, 'replay')) {
      if (outcome.kind === 'bad') {
        yield { kind: 'bad', bad: { line: lineNo, reason: outcome.reason, excerpt: excerptOf(text) } };
      } else if (outcome.kind === 'notice') {
        yield { kind: 'notice', notice: { line: lineNo, ...outcome.notice } };
      } else {
        await pace();
        yield { kind: 'event', event: outcome.event };
      }
    }
  }
}

/**
 * Opens the replay input now (so a missing file fails before anything else happens);
 * `path` `-` is stdin.
 */
export async function openFileReplay(path: string, options: FileReplayOptions = {}): Promise<IngestSource> {
  let stream: Readable;
  if (path === '-') {
    stream = process.stdin;
  } else {
    try {
      const handle = await open(path, 'r');
      const stat = await handle.stat();
      if (stat.isDirectory()) {
        await handle.close();
        throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      }
      stream = handle.createReadStream({ highWaterMark: 256 * 1024 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'does not exist'
          : code === 'EACCES'
            ? 'is not readable'
            : code === 'EISDIR'
              ? 'is a directory'
              : (error as Error).message;
      throw new UserError(`Replay file ${path} ${why}`, {
        hint: 'Pass --file with a newline-delimited JSON file of tweets, or --file - to read stdin.',
        code: 'REPLAY_FILE',
      });
    }
  }
  return {
    name: path === '-' ? 'stdin' : 'file',
    async *items(signal) {
      options.onState?.({ state: 'reading', detail: path === '-' ? 'stdin' : path });
      // An idle stdin would otherwise keep the loop waiting after Ctrl-C.
      const stop = () => stream.destroy();
      signal.addEventListener('abort', stop, { once: true });
      try {
        yield* replayItems(stream, signal, options.rate);
      } catch (error) {
        if (!signal.aborted) throw error;
      } finally {
        signal.removeEventListener('abort', stop);
        if (path !== '-') stream.destroy();
        options.onState?.({ state: signal.aborted ? 'stopped' : 'done' });
      }
    },
  };
}
