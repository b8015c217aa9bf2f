/** One X v2 stream connection after another: messages into source items, reconnects by X's policy. */
import type { TweetStream, TwitterApi } from 'twitter-api-v2';
import type { TwitterCredentials } from '../../config/settings.js';
import { type PayloadOutcome, readPayload } from '../normalise.js';
import { classifyConnectError, KEEP_ALIVE_TIMEOUT_MS, ReconnectPolicy, rateLimitResetOf } from '../reconnect-policy.js';
import type { ItemQueue } from './item-queue.js';
import { excerptOf, type SourceItem, type SourceState, sleep } from './source.js';
import { xError } from './twitter-client.js';
import { ruleTag } from './twitter-rules.js';

/**
 * What the stream asks X for: exactly what the normaliser (src/ingest/x/v2-message.ts) reads.
 * The author expansion gives username and name; `referenced_tweets.id` puts a repost's original
 * (and a quoted or replied-to post) in `includes.tweets`, and `referenced_tweets.id.author_id`
 * its author in `includes.users`, so a repost is stored whole (`RT @original: <full text>`);
 * `note_tweet` is a long post's full text; `in_reply_to_user_id` names a reply's addressee when
 * the replied-to post is not included.
 */
export const STREAM_FIELDS = {
  expansions: ['author_id', 'referenced_tweets.id', 'referenced_tweets.id.author_id'],
  'tweet.fields': [
    'created_at',
    'lang',
    'entities',
    'author_id',
    'note_tweet',
    'referenced_tweets',
    'in_reply_to_user_id',
  ],
  'user.fields': ['username', 'name'],
} as const;

export interface StreamLoopOptions {
  stack: string;
  credentials: TwitterCredentials | undefined;
  sample?: boolean;
  policy?: ReconnectPolicy;
  keepAliveTimeoutMs?: number;
  timeScale?: number;
  /** Posts X delivered in a message (what it bills for). */
  onPostsRead?: (count: number) => void;
  /** `--record`: every message X sent (keep-alives excepted), re-serialised as one line. */
  onMessage?: (message: unknown) => void;
}

type Stream = TweetStream<unknown> & { res?: NodeJS.ReadableStream & { setEncoding?(e: string): void } };
type XProblem = { title?: string; detail?: string; type?: string; disconnect_type?: string };

/** The item a payload outcome is, numbered by the stream message it came in. */
export function itemOf(outcome: PayloadOutcome, messageNo: number, message: unknown): SourceItem {
  switch (outcome.kind) {
    case 'event':
      return outcome;
    case 'notice':
      return { kind: 'notice', notice: { line: messageNo, ...outcome.notice } };
    case 'bad':
      return {
        kind: 'bad',
        bad: { line: messageNo, reason: outcome.reason, excerpt: excerptOf(JSON.stringify(message) ?? '') },
      };
  }
}

/**
 * True for an X error object that ends the connection: X sends `operational-disconnect` (with a
 * `disconnect_type`, e.g. UpstreamOperationalDisconnect) and then closes the stream.
 */
export function isDisconnect(problem: XProblem): boolean {
  return (
    typeof problem.disconnect_type === 'string' ||
    /disconnect/i.test(problem.title ?? '') ||
    /operational-disconnect/.test(problem.type ?? '')
  );
}

/** What X said, as one line: its title and, in brackets, its detail. */
export function xSays(problem: XProblem | undefined): string {
  return `X says: ${problem?.title ?? 'error'}${problem?.detail ? ` (${problem.detail})` : ''}`;
}

/** A duration in the production seconds it stands for (`scale` shrinks it in tests). */
const seconds = (ms: number, scale: number) => {
  const s = ms / scale / 1000;
  return `${s < 10 ? Number(s.toFixed(1)) : Math.round(s)} s`;
};

/** Connects, pumps messages into the queue until the connection ends, and reconnects by policy. */
export async function connectionLoop(
  client: TwitterApi,
  options: StreamLoopOptions,
  queue: ItemQueue<SourceItem>,
  stop: AbortSignal,
  onState: (state: SourceState) => void,
): Promise<void> {
  const { ETwitterStreamEvent } = await import('twitter-api-v2');
  const scale = options.timeScale ?? 1;
  const policy = options.policy ?? new ReconnectPolicy({ scale });
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? Math.round(KEEP_ALIVE_TIMEOUT_MS * scale);
  const tag = ruleTag(options.stack);
  let messageNo = 0;
  while (!stop.aborted) {
    onState({ state: 'connecting' });
    const params = { ...STREAM_FIELDS, autoConnect: false as const } as unknown as Parameters<
      typeof client.v2.searchStream
    >[0] & { autoConnect: false };
    const stream = (options.sample
      ? client.v2.sampleStream(params)
      : client.v2.searchStream(params)) as unknown as Stream;
    try {
      await stream.connect({ autoReconnect: false, keepAliveTimeout: keepAliveTimeoutMs });
    } catch (error) {
      const kind = classifyConnectError(error);
      if (!kind) throw xError(error, 'X refused the stream connection', options.credentials);
      let delayMs: number;
      let detail: string;
      if (kind === 'rate-limited') {
        const wait = policy.nextRateLimited(rateLimitResetOf(error));
        delayMs = wait.delayMs;
        detail = `HTTP ${(error as { code?: unknown }).code ?? 429} too many connections${wait.by === 'reset' ? ", waiting for X's rate-limit reset" : ''}`;
      } else {
        delayMs = policy.next(kind);
        detail =
          kind === 'http' ? `HTTP ${(error as { code?: unknown }).code}` : `network: ${(error as Error).message}`;
      }
      onState({ state: 'reconnecting', delayMs, detail });
      await sleep(delayMs, stop);
      continue;
    }
    // twitter-api-v2 decodes each chunk on its own, which splits a multi-byte character that
    // straddles two TCP packets; a string decoder on the response keeps emoji intact.
    stream.res?.setEncoding?.('utf8');
    onState({ state: 'connected' });
    let alive = false;
    const reason = await new Promise<string>((resolve) => {
      // The first reason a connection ends is the one reported (a stall, then the close it causes).
      let why: string | undefined;
      const because = (text: string) => {
        why ??= text;
      };
      const heard = () => {
        if (!alive) policy.connected();
        alive = true;
      };
      const push = (message: unknown) => {
        messageNo += 1;
        let full = false;
        for (const outcome of readPayload(message, 'twitter')) full = queue.push(itemOf(outcome, messageNo, message));
        if (full) {
          stream.res?.pause();
          queue.whenSpace().then(() => stream.res?.resume());
        }
      };
      stream.on(ETwitterStreamEvent.DataKeepAlive, heard);
      stream.on(ETwitterStreamEvent.Data, (message: unknown) => {
        heard();
        options.onMessage?.(message);
        // X bills every post it delivers, this stack's or not, sent on or not.
        const data = (message as { data?: unknown }).data;
        options.onPostsRead?.(Array.isArray(data) ? data.length : data ? 1 : 0);
        const rules = (message as { matching_rules?: { tag?: string }[] }).matching_rules;
        // The app's other rules deliver here too; only this stack's tweets belong in its stream.
        if (!options.sample && Array.isArray(rules) && rules.length > 0 && !rules.some((r) => r.tag === tag)) {
          messageNo += 1;
          return;
        }
        push(message);
      });
      // A message with only `errors` (twitter-api-v2's error payload): notices, and the user
      // hears what X said and what happens next.
      stream.on(ETwitterStreamEvent.DataError, (message: { errors?: XProblem[] }) => {
        heard();
        options.onMessage?.(message);
        push(message);
        const problems = Array.isArray(message.errors) ? message.errors : [];
        const ending = problems.find(isDisconnect);
        if (ending) {
          // X closes the connection after it; closing here too reconnects without waiting for
          // the close to arrive (or for the stall timeout, should it not).
          because(xSays(ending));
          stream.close();
        } else {
          onState({ state: 'connected', detail: `${xSays(problems[0])}; the connection stays open` });
        }
      });
      stream.on(ETwitterStreamEvent.TweetParseError, (error: Error) => {
        messageNo += 1;
        queue.push({ kind: 'bad', bad: { line: messageNo, reason: `not JSON (${error.message})`, excerpt: '' } });
      });
      stream.on(ETwitterStreamEvent.ConnectionLost, () => {
        because(`no data or keep-alive for ${seconds(keepAliveTimeoutMs, scale)}`);
      });
      stream.on(ETwitterStreamEvent.ConnectionError, (error: Error) => {
        because(`connection error: ${error.message}`);
      });
      const onStop = () => stream.close();
      stream.on(ETwitterStreamEvent.ConnectionClosed, () => {
        stop.removeEventListener('abort', onStop);
        resolve(stop.aborted ? 'stopped' : (why ?? 'dropped by X'));
      });
      stop.addEventListener('abort', onStop, { once: true });
    });
    stream.destroy();
    if (stop.aborted) return;
    // A drop right after connecting (nothing heard) is a failing connection, not a dropped one.
    const delayMs = policy.next(alive ? 'dropped' : 'network');
    onState({ state: 'reconnecting', delayMs, detail: reason });
    await sleep(delayMs, stop);
  }
}
