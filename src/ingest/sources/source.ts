/** What every ingest source is: the item it yields, its lifecycle states, pacing. */
import type { TweetEvent } from '../../../lambda/contract/tweet-event.js';
import { sleep } from '../../sleep.js';
import type { PostBilling } from '../post-billing.js';

export { sleep };

/** What a source yields: a usable event, a notice, or an input it could not use (never thrown). */
export type SourceItem =
  | {
      kind: 'event';
      event: TweetEvent;
      /** 1-based input line (file replay). */
      line?: number;
      /** Called once the event was handed to the producer (a live source advances its cursor). */
      handed?: () => void;
    }
  | { kind: 'bad'; bad: BadInput }
  | NoticeItem;

/**
 * A notice: input that is neither a post nor corruption (an X stream notice such as `delete` or
 * `limit`, an X error object such as `operational-disconnect`, a page with no posts). Counted
 * apart from bad lines, by kind, and never sent to the stream.
 */
export type NoticeItem = { kind: 'notice'; notice: SourceNotice };

export interface SourceNotice {
  /** 1-based line number (file replay) or message number (X stream). */
  line: number;
  /** What it is: `delete`, `scrub_geo`, `limit`, …, `error` (an X problem), `empty-page`. */
  kind: string;
  /** X's own title for an `error` (`operational-disconnect`, `Not Found Error`). */
  title?: string;
  /** One readable line: what X said, with the ids it named. */
  detail: string;
}

export interface BadInput {
  /** 1-based line number (file replay) or message number (X stream). */
  line: number;
  reason: string;
  /** The start of the offending input, control characters replaced, for the report. */
  excerpt: string;
}

export type SourceName = 'twitter' | 'twitter-sample' | 'bluesky' | 'mastodon' | 'file' | 'stdin' | 'synthetic';

/** A source's lifecycle as the progress line shows it. */
export interface SourceState {
  state:
    | 'starting'
    | 'syncing-rules'
    | 'connecting'
    | 'connected'
    | 'reconnecting'
    | 'reading'
    | 'generating'
    | 'done'
    | 'stopped';
  /** One readable line of detail (a rule change, why a reconnect happens, the wait). */
  detail?: string;
  /** Delay before the next connection attempt, for `reconnecting`. */
  delayMs?: number;
}

export interface IngestSource {
  readonly name: SourceName;
  /** Set on a source that costs money per post read (the X API). */
  readonly billing?: PostBilling;
  /** Yields until the input ends or `signal` aborts; awaiting the consumer is the backpressure. */
  items(signal: AbortSignal): AsyncIterable<SourceItem>;
}

const EXCERPT_CHARS = 120;

/** A printable start of a bad input: control characters and lone surrogates become `�`/`\n`. */
export function excerptOf(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  const clean = text.slice(0, EXCERPT_CHARS).replace(/[\u0000-\u001F\u007F-\u009F]/g, '�');
  return text.length > EXCERPT_CHARS ? `${clean}…` : clean;
}

/**
 * Paces a source to `rate` items per second (undefined: as fast as the consumer takes them).
 * Sleeps only when more than a few milliseconds ahead, so high rates cost no timer per item.
 */
export function pacer(rate: number | undefined, signal?: AbortSignal): () => Promise<void> {
  if (!rate || rate <= 0) return () => Promise.resolve();
  const started = performance.now();
  let count = 0;
  return async () => {
    const due = started + (count * 1000) / rate;
    count += 1;
    const ahead = due - performance.now();
    if (ahead > 4) await sleep(ahead, signal);
  };
}
