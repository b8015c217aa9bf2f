/** One Mastodon SSE connection after another: events into a queue, the gap read through REST, back-off, 401/429/503. */
import { createParser } from 'eventsource-parser';
import { UserError } from '../../errors.js';
import type { ReconnectPolicy } from '../reconnect-policy.js';
import type { ItemQueue } from '../sources/item-queue.js';
import { type SourceState, sleep } from '../sources/source.js';
import {
  type MastodonStream,
  prevMinId,
  rateLimitDelayMs,
  streamLabel,
  streamUrl,
  TIMELINE_PAGE_LIMIT,
  timelineUrl,
} from './instance.js';
import { parseEventData } from './stream-event.js';

/**
 * Mastodon writes a `:thump` comment every 15 s on an open stream; this long without a byte is a
 * stall (four heartbeats lost) and the connection is replaced.
 */
export const MASTODON_STALL_TIMEOUT_MS = 60_000;
/** A gap longer than this many pages (40 statuses each) is read up to here, and said. */
export const MAX_GAP_PAGES = 25;

/** An event as received, or a status read through REST to fill a gap, or something to say. */
export interface MastodonMessage {
  stream: string;
  event: string;
  /** `data` as received (text). */
  raw: string;
  /** `data` parsed as JSON, or the raw text when it is not JSON (`delete` sends a bare id). */
  data: unknown;
  via?: 'timeline';
  /** Set by `accept`: already received (the gap read and the stream overlap, or two tag streams); counted, never sent. */
  duplicate?: boolean;
  /** Not an event: a notice from the loop itself (a gap too long to read whole, a failed read). */
  notice?: { kind: string; detail: string };
}

export interface MastodonLoopOptions {
  instance: URL;
  stream: MastodonStream;
  token?: string;
  policy: ReconnectPolicy;
  stallTimeoutMs: number;
  /** Multiplies server-given waits (Retry-After): tests shrink it. Default 1. */
  timeScale?: number;
  /** The newest status id received on this stream, for the gap read after a reconnect. */
  newest: () => bigint | undefined;
  /** Called for every message before it is queued (marks duplicates, records); false drops it. */
  accept: (message: MastodonMessage) => boolean;
  onState: (state: SourceState) => void;
}

type Ending = { why: string; heard: boolean; failure?: 'network' | 'http'; waitMs?: number; fatal?: UserError };

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

function headersFor(token: string | undefined, accept: string): Record<string, string> {
  return token ? { Accept: accept, Authorization: `Bearer ${token}` } : { Accept: accept };
}

/** The refusal of a token (or of no token) as the one-line error the user sees. */
export function tokenRefused(instance: URL, status: number, hasToken: boolean): UserError {
  return new UserError(
    hasToken
      ? `${instance.host} refused the Mastodon access token (HTTP ${status})`
      : `${instance.host} needs a Mastodon access token for its streaming API (HTTP ${status})`,
    {
      hint: `Set the token with \`streamproc init --mastodon-token TOKEN\` (or run \`streamproc init\`); create one under Preferences → Development on ${instance.host}.`,
      code: 'MASTODON_TOKEN',
    },
  );
}

/** Connects, reads the gap after a reconnect, pumps events into `queue`, and reconnects by `policy` until `stop`. */
export async function mastodonLoop(
  options: MastodonLoopOptions,
  queue: ItemQueue<MastodonMessage>,
  stop: AbortSignal,
): Promise<void> {
  const { policy, onState } = options;
  const label = streamLabel(options.stream);
  const scale = options.timeScale ?? 1;
  while (!stop.aborted) {
    onState({ state: 'connecting', detail: `${options.instance.host} ${label}` });
    const ending = await connectOnce(options, queue, stop, label);
    if (stop.aborted) return;
    if (ending.fatal) throw ending.fatal;
    let delayMs: number;
    if (ending.waitMs !== undefined) {
      delayMs = Math.round(ending.waitMs * scale);
      policy.next('rate-limited');
    } else delayMs = policy.next(ending.failure ?? (ending.heard ? 'dropped' : 'network'));
    onState({ state: 'reconnecting', delayMs, detail: `${label}: ${ending.why}` });
    await sleep(delayMs, stop);
  }
}

async function connectOnce(
  options: MastodonLoopOptions,
  queue: ItemQueue<MastodonMessage>,
  stop: AbortSignal,
  label: string,
): Promise<Ending> {
  const controller = new AbortController();
  const onStop = () => controller.abort();
  stop.addEventListener('abort', onStop, { once: true });
  let heard = false;
  let stalled = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, options.stallTimeoutMs);
  };
  const host = options.instance.host;
  try {
    const since = options.newest();
    armStall();
    let response: Response;
    try {
      response = await fetch(streamUrl(options.instance, options.stream), {
        headers: headersFor(options.token, 'text/event-stream'),
        signal: controller.signal,
      });
    } catch (error) {
      return { why: stalled ? 'no response' : `network: ${causeOf(error)}`, heard, failure: 'network' };
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel().catch(() => {});
      const why = `HTTP ${response.status} from ${host}`;
      if (response.status === 401 || response.status === 403) {
        return { why, heard, fatal: tokenRefused(options.instance, response.status, Boolean(options.token)) };
      }
      if (response.status === 429) {
        return { why, heard, waitMs: rateLimitDelayMs(response.headers) ?? 60_000 };
      }
      if (response.status === 404 || response.status === 400 || response.status === 422) {
        return {
          why,
          heard,
          fatal: new UserError(`${host} has no ${label} stream (HTTP ${response.status})`, {
            hint: 'Check --instance (or STREAMPROC_MASTODON_URL): it must be a Mastodon instance with its streaming API on.',
            code: 'MASTODON_STREAM',
          }),
        };
      }
      return { why, heard, failure: 'http' };
    }
    options.onState({ state: 'connected', detail: `${host} ${label}` });
    // The stream is open (so nothing posted from now on is missed): read what came before, since the newest status received.
    if (since !== undefined) {
      clearTimeout(stallTimer);
      const fatal = await readGap(options, queue, controller.signal, label, since);
      if (fatal) return { why: fatal.message, heard, fatal };
      if (stop.aborted) return { why: 'stopped', heard };
      armStall();
    }
    // The queue said it is full: stop reading (TCP pushes back on the instance) until it drains.
    let full = false;
    const parser = createParser({
      onEvent: (event) => {
        heard = true;
        const raw = event.data;
        const message: MastodonMessage = {
          stream: label,
          event: event.event ?? 'message',
          raw,
          data: parseEventData(raw),
        };
        if (options.accept(message) && queue.push(message)) full = true;
      },
      onComment: () => {
        heard = true;
      },
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) return { why: `closed by ${host}`, heard };
        if (!heard) options.policy.connected();
        armStall();
        parser.feed(decoder.decode(value, { stream: true }));
        if (full) {
          full = false;
          clearTimeout(stallTimer);
          await queue.whenSpace();
        }
      }
    } catch (error) {
      if (stop.aborted) return { why: 'stopped', heard };
      if (stalled) return { why: `no byte (not even a heartbeat) for ${seconds(options.stallTimeoutMs)}`, heard };
      return { why: `network: ${causeOf(error)}`, heard, failure: heard ? undefined : 'network' };
    } finally {
      reader.cancel().catch(() => {});
    }
  } finally {
    clearTimeout(stallTimer);
    stop.removeEventListener('abort', onStop);
    controller.abort();
  }
}

/**
 * Reads the statuses newer than `since` through the REST timeline the stream mirrors, oldest page
 * first (`min_id` paging, following the `Link` header's `prev` as Mastodon's own clients do), up
 * to {@link MAX_GAP_PAGES} pages. A 401 is fatal; any other failure is said and the stream goes on.
 */
async function readGap(
  options: MastodonLoopOptions,
  queue: ItemQueue<MastodonMessage>,
  signal: AbortSignal,
  label: string,
  since: bigint,
): Promise<UserError | undefined> {
  let minId = since.toString();
  for (let page = 0; page < MAX_GAP_PAGES; page++) {
    let body: unknown;
    let link: string | null;
    try {
      const response = await fetch(timelineUrl(options.instance, options.stream, minId), {
        headers: headersFor(options.token, 'application/json'),
        signal,
      });
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel().catch(() => {});
        return tokenRefused(options.instance, response.status, Boolean(options.token));
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw new Error(`HTTP ${response.status}`);
      }
      link = response.headers.get('link');
      body = await response.json();
    } catch (error) {
      if (signal.aborted) return undefined;
      const notice = { kind: 'gap-unread', detail: `${label}: statuses after ${minId} not read (${causeOf(error)})` };
      if (options.accept({ stream: label, event: 'notice', raw: '', data: null, notice })) {
        queue.push({ stream: label, event: 'notice', raw: '', data: null, notice });
      }
      return undefined;
    }
    const statuses = Array.isArray(body) ? body : [];
    const ids = statuses.map((s) => idOf(s)).filter((id): id is bigint => id !== undefined);
    // Timelines come newest first; the stream's order is oldest first.
    const ordered = [...statuses].sort((a, b) => compare(idOf(a), idOf(b)));
    for (const status of ordered) {
      const message: MastodonMessage = {
        stream: label,
        event: 'update',
        raw: JSON.stringify(status),
        data: status,
        via: 'timeline',
      };
      if (options.accept(message)) queue.push(message);
    }
    if (statuses.length < TIMELINE_PAGE_LIMIT || ids.length === 0) return undefined;
    // biome-ignore lint/complexity/useMathMinMax: BigInts (Math.max takes numbers only)
    const newest = ids.reduce((a, b) => (a > b ? a : b));
    const next = prevMinId(link) ?? newest.toString();
    if (BigInt(next) <= BigInt(minId)) return undefined;
    minId = next;
  }
  const notice = {
    kind: 'gap-truncated',
    detail: `${label}: the gap held more than ${MAX_GAP_PAGES * TIMELINE_PAGE_LIMIT} statuses; read up to ${minId}`,
  };
  queue.push({ stream: label, event: 'notice', raw: '', data: null, notice });
  return undefined;
}

function idOf(status: unknown): bigint | undefined {
  const id = (status as { id?: unknown } | null)?.id;
  return typeof id === 'string' && /^[0-9]{1,20}$/.test(id) ? BigInt(id) : undefined;
}

const compare = (a: bigint | undefined, b: bigint | undefined) => (a === b ? 0 : (a ?? 0n) < (b ?? 0n) ? -1 : 1);

function causeOf(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}
