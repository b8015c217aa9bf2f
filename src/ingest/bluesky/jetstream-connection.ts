/** One Jetstream WebSocket connection after another: messages into a queue, cursor resume, stall timeout, back-off. */
import WebSocket from 'ws';
import { UserError } from '../../errors.js';
import type { ReconnectPolicy } from '../reconnect-policy.js';
import type { ItemQueue } from '../sources/item-queue.js';
import { type SourceState, sleep } from '../sources/source.js';
import { envelopeOf, POST_COLLECTION } from './jetstream-event.js';

/** Bluesky's public instances are jetstream{1,2}.{us-east,us-west}.bsky.network; this is one of them. */
export const JETSTREAM_DEFAULT_URL = 'wss://jetstream2.us-east.bsky.network/subscribe';
export const JETSTREAM_URL_ENV = 'STREAMPROC_JETSTREAM_URL';
/**
 * A stream of every new post on Bluesky is never quiet for long (hundreds a second), but a
 * self-hosted or filtered one can be: no message (and no pong to our pings) for this long is a
 * stall, and the connection is replaced.
 */
export const JETSTREAM_STALL_TIMEOUT_MS = 30_000;

/** A message as received: its text (for `--record`) and what was parsed from it. */
export interface JetstreamMessage {
  raw: string;
  value: unknown;
  /** Jetstream's `time_us`, when the message has one. */
  timeUs?: number;
  /** Set by `accept`: replayed by Jetstream at a reconnect, seen already; counted, never sent. */
  duplicate?: boolean;
}

/** Checks and normalises an endpoint: ws/wss only, `/subscribe` added to a bare origin. */
export function jetstreamEndpoint(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new UserError(`Jetstream endpoint ${url} is not a ws:// or wss:// URL`, {
      hint: `Set ${JETSTREAM_URL_ENV} to e.g. ${JETSTREAM_DEFAULT_URL}, or unset it.`,
      code: 'JETSTREAM_URL',
    });
  }
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/subscribe';
  return parsed;
}

/** The subscribe URL for posts only, from `cursor` (microseconds) when given; never compressed. */
export function subscribeUrl(endpoint: URL, cursor: number | undefined): string {
  const url = new URL(endpoint);
  url.searchParams.delete('compress');
  url.searchParams.set('wantedCollections', POST_COLLECTION);
  if (cursor !== undefined) url.searchParams.set('cursor', String(cursor));
  else url.searchParams.delete('cursor');
  return url.toString();
}

export interface JetstreamLoopOptions {
  endpoint: URL;
  policy: ReconnectPolicy;
  stallTimeoutMs: number;
  /** Where to resume from at each (re)connection: the newest `time_us` received, or the stored cursor. */
  cursor: () => number | undefined;
  /** Called for every message received, before it is queued (marks duplicates); false drops it. */
  accept: (message: JetstreamMessage) => boolean;
  onState: (state: SourceState) => void;
}

type Ending = { why: string; heard: boolean; failure?: 'network' | 'http' | 'rate-limited'; fatal?: UserError };

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** Connects, pumps messages into `queue` until the connection ends, and reconnects by `policy` until `stop`. */
export async function jetstreamLoop(
  options: JetstreamLoopOptions,
  queue: ItemQueue<JetstreamMessage>,
  stop: AbortSignal,
): Promise<void> {
  const { policy, onState } = options;
  while (!stop.aborted) {
    const cursor = options.cursor();
    onState({ state: 'connecting', detail: cursor === undefined ? 'from now' : `from cursor ${cursor}` });
    const ending = await new Promise<Ending>((resolve) => {
      let heard = false;
      let paused = false;
      let settled = false;
      const socket = new WebSocket(subscribeUrl(options.endpoint, cursor), {
        handshakeTimeout: options.stallTimeoutMs,
        perMessageDeflate: false,
      });
      let stallTimer: NodeJS.Timeout | undefined;
      const pingTimer = setInterval(
        () => {
          if (socket.readyState === WebSocket.OPEN) socket.ping();
        },
        Math.max(50, Math.floor(options.stallTimeoutMs / 3)),
      );
      const finish = (ending: Omit<Ending, 'heard'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(stallTimer);
        clearInterval(pingTimer);
        stop.removeEventListener('abort', onStop);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        resolve({ ...ending, heard });
      };
      const armStall = () => {
        clearTimeout(stallTimer);
        if (paused) return;
        stallTimer = setTimeout(
          () => finish({ why: `no message for ${seconds(options.stallTimeoutMs)}` }),
          options.stallTimeoutMs,
        );
      };
      const onStop = () => finish({ why: 'stopped' });
      stop.addEventListener('abort', onStop, { once: true });
      socket.on('open', () => {
        onState({ state: 'connected' });
        armStall();
      });
      socket.on('pong', armStall);
      socket.on('message', (data, isBinary) => {
        if (!heard) policy.connected();
        heard = true;
        armStall();
        const raw = isBinary ? '' : data.toString();
        let value: unknown;
        try {
          value = isBinary ? undefined : JSON.parse(raw);
        } catch {
          value = undefined;
        }
        const message: JetstreamMessage = { raw, value, timeUs: envelopeOf(value)?.timeUs };
        if (!options.accept(message)) return;
        if (queue.push(message) && !paused) {
          paused = true;
          socket.pause();
          clearTimeout(stallTimer);
          queue.whenSpace().then(() => {
            paused = false;
            if (!settled) {
              socket.resume();
              armStall();
            }
          });
        }
      });
      socket.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        const why = `HTTP ${status} from ${options.endpoint.host}`;
        if (status === 429) finish({ why, failure: 'rate-limited' });
        else if (status >= 400 && status < 500 && status !== 408) {
          finish({
            why,
            fatal: new UserError(`Jetstream refused the subscription: ${why}`, {
              hint: `Check the endpoint (${JETSTREAM_URL_ENV}=${options.endpoint.origin}${options.endpoint.pathname}); Bluesky's are wss://jetstream{1,2}.{us-east,us-west}.bsky.network/subscribe.`,
              code: 'JETSTREAM_REFUSED',
            }),
          });
        } else finish({ why, failure: 'http' });
      });
      socket.on('error', (error) => finish({ why: `network: ${error.message}`, failure: 'network' }));
      socket.on('close', (code, reason) =>
        finish({ why: `closed by Jetstream (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})` }),
      );
    });
    if (stop.aborted) return;
    if (ending.fatal) throw ending.fatal;
    // A drop right after connecting (nothing heard) is a failing connection, not a dropped one.
    const delayMs = policy.next(ending.failure ?? (ending.heard ? 'dropped' : 'network'));
    onState({ state: 'reconnecting', delayMs, detail: ending.why });
    await sleep(delayMs, stop);
  }
}
