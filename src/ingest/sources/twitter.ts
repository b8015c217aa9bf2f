/** The X source: the v2 filtered (or sampled) stream, rule sync and reconnects. */
import type { TweetStream, TwitterApi } from 'twitter-api-v2';
import type { TwitterCredentials } from '../../config/settings.js';
import { UserError } from '../../errors.js';
import { normaliseV2Message } from '../normalise.js';
import { classifyConnectError, KEEP_ALIVE_TIMEOUT_MS, ReconnectPolicy } from '../reconnect-policy.js';
import { ItemQueue } from './item-queue.js';
import { excerptOf, type IngestSource, type SourceItem, type SourceState, sleep } from './source.js';

/**
 * The X API v2 filtered stream (or the sampled stream) through twitter-api-v2. twitter-api-v2
 * makes the requests and parses the `\r\n`-delimited messages; reconnecting is done here, by
 * X's documented policy (see reconnect-policy.ts), because the library's own schedule differs.
 */

export const X_API_ORIGIN = 'https://api.x.com';
/** Points the client at another origin: for tests (a fake X server) and HTTP proxies only. */
export const X_API_URL_ENV = 'STREAMPROC_X_API_URL';

/** Fields the record contract needs: the author expansion, time, language, entities, long-post text. */
export const STREAM_FIELDS = {
  expansions: ['author_id'],
  'tweet.fields': ['created_at', 'lang', 'entities', 'author_id', 'note_tweet'],
  'user.fields': ['username', 'name'],
} as const;

export interface TwitterSourceOptions {
  stack: string;
  credentials: TwitterCredentials | undefined;
  /** Tracked keywords; one rule each, tagged {@link ruleTag}. Ignored by the sampled stream. */
  keywords: string[];
  sample?: boolean;
  /** API origin (default `STREAMPROC_X_API_URL`, else https://api.x.com). */
  apiUrl?: string;
  /** Reconnect back-off; tests pass one with a small scale. */
  policy?: ReconnectPolicy;
  /** No data and no keep-alive for this long means the connection is dead (default 20 s). */
  keepAliveTimeoutMs?: number;
  /** Messages held while the producer is busy; beyond it the socket is paused (default 10,000). */
  maxQueued?: number;
  onState?: (state: SourceState) => void;
}

/** The tag on every rule streamproc makes for a stack; rules without it are never touched. */
export function ruleTag(stack: string): string {
  return `streamproc:${stack}`;
}

/** A keyword as a rule value: phrases quoted, so `machine learning` matches the phrase. */
export function ruleValue(keyword: string): string {
  const k = keyword.trim();
  return /\s/.test(k) && !/^".*"$/.test(k) ? `"${k.replace(/"/g, '')}"` : k;
}

const missingCredentials = () =>
  new UserError('The X stream needs an API bearer token, or an API key and secret, and this stack has neither', {
    hint: 'Run `streamproc init --twitter-bearer-token …` (or set TWITTER_BEARER_TOKEN for init), or use --file / --synthetic.',
    code: 'X_CREDENTIALS',
  });

/** A client for the API origin, app-only (OAuth 2.0 bearer), from settings. */
export async function createXClient(credentials: TwitterCredentials | undefined, apiUrl?: string): Promise<TwitterApi> {
  const origin = (apiUrl ?? process.env[X_API_URL_ENV] ?? X_API_ORIGIN).replace(/\/+$/, '');
  const { TwitterApi } = await import('twitter-api-v2');
  const { Agent } = await import('node:http');
  const rewrite = ({ params }: { params: { url: string } }) => {
    if (origin !== X_API_ORIGIN && params.url.startsWith(X_API_ORIGIN))
      params.url = origin + params.url.slice(X_API_ORIGIN.length);
  };
  const settings = {
    plugins: [
      {
        onBeforeRequestConfig: (args: { params: { url: string } }) => void rewrite(args),
        onBeforeStreamRequestConfig: rewrite,
      },
    ],
    // twitter-api-v2 always calls https.request; a plain-HTTP agent is what lets it speak http:// (a loopback fake).
    ...(origin.startsWith('http:') ? { httpAgent: new Agent({ keepAlive: false }) } : {}),
  };
  if (credentials?.bearerToken) return new TwitterApi(credentials.bearerToken, settings);
  if (credentials?.apiKey && credentials.apiSecret) {
    const keyed = new TwitterApi({ appKey: credentials.apiKey, appSecret: credentials.apiSecret }, settings);
    try {
      return (await keyed.appLogin()) as TwitterApi;
    } catch (error) {
      throw xError(error, 'Could not get a bearer token from the X API key and secret', credentials);
    }
  }
  throw missingCredentials();
}

/** An X failure as a UserError, without any token in it. */
function xError(error: unknown, what: string, credentials?: TwitterCredentials): UserError {
  const e = error as { code?: number; data?: { title?: string; detail?: string; reason?: string }; message?: string };
  const why = e.data?.detail ?? e.data?.title ?? e.message ?? String(error);
  let message = `${what}: ${typeof e.code === 'number' ? `HTTP ${e.code}, ` : ''}${why}`;
  for (const secret of Object.values(credentials ?? {}))
    if (secret && secret.length >= 4) message = message.split(secret).join('[redacted]');
  const auth = e.code === 401 || e.code === 403;
  return new UserError(message, {
    hint: auth
      ? "Check the stack's X credentials (`streamproc init`) and that the app's plan includes the v2 streams."
      : 'Check the network, or try again later; --debug shows details.',
    code: auth ? 'X_AUTH' : 'X_API',
    cause: error,
  });
}

export interface RulesSync {
  added: string[];
  removed: string[];
  kept: string[];
  /** Rules of other tools (or other stacks) on the same app, left alone. */
  foreign: number;
}

/** Makes this stack's tagged rules equal the keywords; touches no rule with another tag. */
export async function syncStreamRules(client: TwitterApi, stack: string, keywords: string[]): Promise<RulesSync> {
  const tag = ruleTag(stack);
  const current = (await client.v2.streamRules()).data ?? [];
  const ours = current.filter((r) => r.tag === tag);
  const wanted = [...new Set(keywords.map(ruleValue).filter((v) => v.length > 0))];
  const stale = ours.filter((r) => !wanted.includes(r.value));
  const missing = wanted.filter((v) => !ours.some((r) => r.value === v));
  if (stale.length > 0) await client.v2.updateStreamRules({ delete: { ids: stale.map((r) => r.id) } });
  if (missing.length > 0) {
    const result = await client.v2.updateStreamRules({ add: missing.map((value) => ({ value, tag })) });
    const invalid = result.errors?.filter((e) => (e as { title?: string }).title !== 'DuplicateRule') ?? [];
    if (invalid.length > 0) {
      const first = invalid[0] as { value?: string; details?: string[]; title?: string };
      throw new UserError(
        `X rejected the stream rule ${JSON.stringify(first.value ?? '')}: ${first.details?.[0] ?? first.title ?? 'invalid'}`,
        {
          hint: 'Change the keywords with `streamproc init --keywords …`.',
          code: 'X_RULES',
        },
      );
    }
  }
  return {
    added: missing,
    removed: stale.map((r) => r.value),
    kept: ours.filter((r) => wanted.includes(r.value)).map((r) => r.value),
    foreign: current.length - ours.length,
  };
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
          sync = await syncStreamRules(client, options.stack, options.keywords);
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
      const onAbort = () => stop.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const loop = connectionLoop(client, options, queue, stop.signal, onState).then(
        () => queue.close(),
        (error) => queue.close(error),
      );
      try {
        yield* queue;
      } finally {
        stop.abort();
        signal.removeEventListener('abort', onAbort);
        await loop;
        onState({ state: 'stopped' });
      }
    },
  };
}

type Stream = TweetStream<unknown> & { res?: NodeJS.ReadableStream & { setEncoding?(e: string): void } };

/** Connects, pumps messages into the queue until the connection ends, and reconnects by policy. */
async function connectionLoop(
  client: TwitterApi,
  options: TwitterSourceOptions,
  queue: ItemQueue<SourceItem>,
  stop: AbortSignal,
  onState: (state: SourceState) => void,
): Promise<void> {
  const { ETwitterStreamEvent } = await import('twitter-api-v2');
  const policy = options.policy ?? new ReconnectPolicy();
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
      await stream.connect({
        autoReconnect: false,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS,
      });
    } catch (error) {
      const kind = classifyConnectError(error);
      if (!kind) throw xError(error, 'X refused the stream connection', options.credentials);
      const delayMs = policy.next(kind);
      const code = (error as { code?: unknown }).code;
      onState({
        state: 'reconnecting',
        delayMs,
        detail: `${kind === 'rate-limited' ? 'HTTP 429 too many connections' : kind === 'http' ? `HTTP ${code}` : `network: ${(error as Error).message}`}`,
      });
      await sleep(delayMs, stop);
      continue;
    }
    // twitter-api-v2 decodes each chunk on its own, which splits a multi-byte character that
    // straddles two TCP packets; a string decoder on the response keeps emoji intact.
    stream.res?.setEncoding?.('utf8');
    onState({ state: 'connected' });
    let alive = false;
    const reason = await new Promise<string>((resolve) => {
      let why = 'dropped by X';
      const heard = () => {
        if (!alive) policy.connected();
        alive = true;
      };
      stream.on(ETwitterStreamEvent.DataKeepAlive, heard);
      stream.on(ETwitterStreamEvent.Data, (message: unknown) => {
        heard();
        messageNo += 1;
        const rules = (message as { matching_rules?: { tag?: string }[] }).matching_rules;
        // The app's other rules deliver here too; only this stack's tweets belong in its stream.
        if (!options.sample && Array.isArray(rules) && rules.length > 0 && !rules.some((r) => r.tag === tag)) return;
        const result = normaliseV2Message(message, 'twitter');
        const full = queue.push(
          result.ok
            ? { kind: 'event', event: result.event }
            : {
                kind: 'bad',
                bad: { line: messageNo, reason: result.reason, excerpt: excerptOf(JSON.stringify(message)) },
              },
        );
        if (full) {
          stream.res?.pause();
          queue.whenSpace().then(() => stream.res?.resume());
        }
      });
      stream.on(ETwitterStreamEvent.DataError, (message: { errors?: { title?: string; detail?: string }[] }) => {
        const first = message.errors?.[0];
        onState({
          state: 'connected',
          detail: `X says: ${first?.title ?? 'error'}${first?.detail ? ` (${first.detail})` : ''}`,
        });
      });
      stream.on(ETwitterStreamEvent.TweetParseError, (error: Error) => {
        messageNo += 1;
        queue.push({ kind: 'bad', bad: { line: messageNo, reason: `not JSON (${error.message})`, excerpt: '' } });
      });
      stream.on(ETwitterStreamEvent.ConnectionLost, () => {
        why = `no data or keep-alive for ${Math.round((options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS) / 1000)} s`;
      });
      stream.on(ETwitterStreamEvent.ConnectionError, (error: Error) => {
        why = `connection error: ${error.message}`;
      });
      stream.on(ETwitterStreamEvent.ConnectionClosed, () => resolve(stop.aborted ? 'stopped' : why));
      stop.addEventListener('abort', () => stream.close(), { once: true });
    });
    stream.destroy();
    if (stop.aborted) return;
    // A drop right after connecting (nothing heard) is a failing connection, not a dropped one.
    const delayMs = policy.next(alive ? 'dropped' : 'network');
    onState({ state: 'reconnecting', delayMs, detail: reason });
    await sleep(delayMs, stop);
  }
}
