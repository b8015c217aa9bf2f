/** The X source: the v2 filtered (or sampled) stream, rule sync and reconnects. */
import type { TwitterCredentials } from '../../config/settings.js';
import { UserError } from '../../errors.js';
import type { RawRecorder } from '../raw-recorder.js';
import type { ReconnectPolicy } from '../reconnect-policy.js';
import { ItemQueue } from './item-queue.js';
import type { IngestSource, SourceItem, SourceState } from './source.js';
import { createXClient, missingCredentials, xError } from './twitter-client.js';
import { type RulesSync, syncStreamRules } from './twitter-rules.js';
import { connectionLoop } from './twitter-stream.js';

export { createXClient, X_API_ORIGIN, X_API_URL_ENV } from './twitter-client.js';
export { type RulesSync, ruleTag, ruleValue, syncStreamRules } from './twitter-rules.js';
export { STREAM_FIELDS } from './twitter-stream.js';

/**
 * The X API v2 filtered stream (or the sampled stream) through twitter-api-v2. twitter-api-v2
 * makes the requests and parses the `\r\n`-delimited messages; reconnecting is done here, by
 * X's documented policy (see reconnect-policy.ts), because the library's own schedule differs.
 * Every message becomes items through the shared normaliser: posts, notices (X's stream error
 * objects such as `operational-disconnect`) and bad input, numbered by message.
 */
export interface TwitterSourceOptions {
  stack: string;
  credentials: TwitterCredentials | undefined;
  /** Tracked keywords; one rule each, tagged `streamproc:<stack>`. Ignored by the sampled stream. */
  keywords: string[];
  sample?: boolean;
  /** API origin (default `STREAMPROC_X_API_URL`, else https://api.x.com). */
  apiUrl?: string;
  /** Reconnect back-off (default: X's policy on {@link timeScale}). */
  policy?: ReconnectPolicy;
  /**
   * No data and no keep-alive for this long means the connection stalled (default
   * `KEEP_ALIVE_TIMEOUT_MS`, 60 s, times {@link timeScale}).
   */
  keepAliveTimeoutMs?: number;
  /**
   * Test-only: multiplies every duration the source waits (stall timeout, back-offs, the wait
   * for a rate-limit reset), so a test can run minutes of X's time in seconds against a fake
   * server whose 20 s keep-alive cadence is scaled by the same factor. Default 1; nothing else
   * should change it.
   */
  timeScale?: number;
  /** Messages held while the producer is busy; beyond it the socket is paused (default 10,000). */
  maxQueued?: number;
  onState?: (state: SourceState) => void;
  /** Posts X delivered in a message (what it bills for), counted as they arrive. */
  onPostsRead?: (count: number) => void;
  /** `--record`: every message X sent, one line each (closed when the source stops). */
  recorder?: RawRecorder;
}

/** How long a stopping source waits for its connection to wind down. */
const STOP_WAIT_MS = 2_000;

/** The promise's value, or undefined as soon as `signal` aborts (the promise is left to settle alone). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function twitterSource(options: TwitterSourceOptions): IngestSource {
  const { credentials } = options;
  if (!credentials?.bearerToken && !(credentials?.apiKey && credentials.apiSecret)) throw missingCredentials();
  const onState = options.onState ?? (() => {});
  return {
    name: options.sample ? 'twitter-sample' : 'twitter',
    async *items(signal) {
      onState({ state: 'starting' });
      const client = await createXClient(credentials, options.apiUrl);
      if (!options.sample) {
        onState({ state: 'syncing-rules' });
        let sync: RulesSync;
        try {
          // X may hang without answering: Ctrl-C must not wait for it.
          const synced = await untilAborted(syncStreamRules(client, options.stack, options.keywords), signal);
          if (!synced) {
            onState({ state: 'stopped' });
            return;
          }
          sync = synced;
        } catch (error) {
          throw error instanceof UserError ? error : xError(error, 'Could not update the X stream rules', credentials);
        }
        onState({
          state: 'syncing-rules',
          detail: `rules: ${sync.kept.length + sync.added.length} tracked (+${sync.added.length} −${sync.removed.length}), ${sync.foreign} of other tools untouched`,
        });
      }
      const queue = new ItemQueue<SourceItem>(options.maxQueued ?? 10_000);
      const stop = new AbortController();
      // The queue ends on Ctrl-C too, even while a connection attempt hangs without an answer.
      const onAbort = () => {
        stop.abort();
        queue.close();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const recorder = options.recorder;
      const loopOptions = recorder
        ? { ...options, onMessage: (message: unknown) => recorder.write(JSON.stringify(message)) }
        : options;
      const loop = connectionLoop(client, loopOptions, queue, stop.signal, onState).then(
        () => queue.close(),
        (error) => queue.close(error),
      );
      try {
        yield* queue;
      } finally {
        stop.abort();
        signal.removeEventListener('abort', onAbort);
        // A request X never answers is left to the process's end rather than waited for.
        await untilAborted(loop, AbortSignal.timeout(STOP_WAIT_MS));
        await recorder?.close();
        onState(
          recorder?.problem ? { state: 'stopped', detail: `--record: ${recorder.problem}` } : { state: 'stopped' },
        );
      }
    },
  };
}
