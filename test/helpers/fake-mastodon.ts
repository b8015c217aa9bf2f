/** A stand-in for a Mastodon instance on 127.0.0.1: the SSE streaming API, the REST timelines, tokens, scripted drops and refusals. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Follows the protocol as docs.joinmastodon.org/methods/streaming and /methods/timelines describe it:
 * - `GET /api/v1/streaming/public` and `/api/v1/streaming/hashtag?tag=…`: `text/event-stream`, a
 *   `:thump` comment on connect and every `heartbeatMs`, then `event: update` / `status.update`
 *   (data: the Status JSON) and `event: delete` (data: the id) for what is published from then on;
 * - `GET /api/v1/timelines/public` and `/api/v1/timelines/tag/:tag` with `since_id`, `min_id`,
 *   `max_id`, `limit` (default 20, at most 40), newest first, with a `Link` header (`next`: max_id,
 *   `prev`: min_id) as Mastodon sends it;
 * - `Authorization: Bearer <token>`: when `token` is set, a request without it or with another is
 *   a 401 `{"error":"The access token is invalid"}`.
 * Each stream connection plays the next script: an HTTP refusal (429 with Retry-After, 503), or a
 * drop after N events (the TCP connection is destroyed mid-stream).
 */
export type MastodonScript = { status: 429 | 503 | 401; retryAfter?: string } | { dropAfter?: number };

export interface FakeMastodonOptions {
  /** When set, every request must carry it as a Bearer token. */
  token?: string;
  connections?: MastodonScript[];
  /** Interval of `:thump` comments (default 15 s, as Mastodon). */
  heartbeatMs?: number;
  /** Writes data lines split in two (`data: {…\ndata: …}`), as the SSE format allows. */
  multiLineData?: boolean;
}

export interface FakeMastodonRequest {
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  status: number;
  at: number;
}

export interface Account {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  url: string;
}

export type Status = {
  id: string;
  created_at: string;
  content: string;
  account: Account;
  language: string | null;
  tags: { name: string; url: string }[];
  mentions: { id: string; username: string; acct: string; url: string }[];
  reblog: Status | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  edited_at: string | null;
  spoiler_text: string;
} & Record<string, unknown>;

export interface FakeMastodon {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  requests: FakeMastodonRequest[];
  /** Stream connection attempts (SSE requests) in order. */
  streams(): FakeMastodonRequest[];
  /** Open SSE connections right now. */
  openCount(): number;
  /** Stores the statuses (timelines) and sends `update` to every open stream they belong on. */
  publish(...statuses: Status[]): void;
  /** Stores statuses for the timelines without streaming them (what was posted while a client was away). */
  store(...statuses: Status[]): void;
  edit(status: Status): void;
  remove(id: string): void;
  close(): Promise<void>;
}

/** Mastodon's ids: milliseconds since the epoch shifted 16 bits, plus a sequence. */
export function snowflake(ms: number, seq = 0): string {
  return ((BigInt(ms) << 16n) | BigInt(seq & 0xffff)).toString();
}

export function account(username: string, instance: string | null, id: string): Account {
  const host = instance ?? 'example.social';
  return {
    id,
    username,
    acct: instance === null ? username : `${username}@${instance}`,
    display_name: `${username[0]?.toUpperCase()}${username.slice(1)} 🐘`,
    url: `https://${host}/@${username}`,
  };
}

/** A status shaped as the API returns it; `tags` from the `#words` of `text`, content as Mastodon's HTML. */
export function status(options: { id: string; text: string; account: Account; language?: string }): Status {
  const tags = [...options.text.matchAll(/#([\p{L}\p{N}_]+)/gu)].map((m) => (m[1] as string).toLowerCase());
  const html = options.text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&#39;')
    .replace(
      /#([\p{L}\p{N}_]+)/gu,
      (_m, tag: string) =>
        `<a href="https://example.social/tags/${tag.toLowerCase()}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`,
    );
  const created = new Date(Number(BigInt(options.id) >> 16n)).toISOString();
  return {
    id: options.id,
    created_at: created,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: '',
    visibility: 'public',
    language: options.language ?? 'en',
    uri: `https://example.social/users/${options.account.username}/statuses/${options.id}`,
    url: `https://example.social/@${options.account.username}/${options.id}`,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    edited_at: null,
    content: `<p>${html}</p>`,
    reblog: null,
    account: options.account,
    media_attachments: [],
    mentions: [],
    tags: tags.map((name) => ({ name, url: `https://example.social/tags/${name}` })),
    emojis: [],
    card: null,
    poll: null,
  };
}

const byIdDesc = (a: Status, b: Status) => (BigInt(a.id) < BigInt(b.id) ? 1 : BigInt(a.id) > BigInt(b.id) ? -1 : 0);

export async function startFakeMastodon(options: FakeMastodonOptions = {}): Promise<FakeMastodon> {
  const scripts = [...(options.connections ?? [])];
  const stored: Status[] = [];
  const requests: FakeMastodonRequest[] = [];
  const live = new Set<{ res: ServerResponse; tag: string | null; sent: number; script: MastodonScript }>();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let origin = '';

  const belongs = (s: Status, tag: string | null) =>
    tag === null || (s.reblog ?? s).tags.some((t) => t.name.toLowerCase() === tag.toLowerCase());

  const send = (entry: typeof live extends Set<infer E> ? E : never, event: string, data: string) => {
    if (entry.res.destroyed) return;
    const lines = options.multiLineData && data.length > 2 ? [data.slice(0, 1), data.slice(1)] : [data];
    const text = `event: ${event}\n${lines.map((l) => `data: ${l}`).join('\n')}\n\n`;
    entry.sent += 1;
    const drop = 'dropAfter' in entry.script ? entry.script.dropAfter : undefined;
    if (drop === undefined || entry.sent < drop) {
      entry.res.write(text);
      return;
    }
    live.delete(entry);
    // Flushed (the write's callback: Node 24 holds a response's writes until the next tick, so
    // ending the socket at once would lose them), then the TCP connection dies without a proper
    // end of the response.
    entry.res.write(text, () => entry.res.socket?.end(() => entry.res.socket?.destroy()));
  };
  const broadcast = (event: string, data: string, s?: Status) => {
    for (const entry of [...live]) if (!s || belongs(s, entry.tag)) send(entry, event, data);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: FakeMastodonRequest = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      status: 200,
      at: Date.now(),
    };
    requests.push(record);
    const reply = (code: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = code;
      res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const streaming = url.pathname.startsWith('/api/v1/streaming/');
    const script = streaming ? (scripts.shift() ?? {}) : {};
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return reply(401, { error: 'The access token is invalid' });
    }
    if ('status' in script) {
      const headers: Record<string, string> = {};
      if (script.retryAfter !== undefined) headers['retry-after'] = script.retryAfter;
      return reply(
        script.status,
        { error: script.status === 429 ? 'Too many requests' : 'Service unavailable' },
        headers,
      );
    }
    if (url.pathname === '/api/v1/streaming/public' || url.pathname === '/api/v1/streaming/hashtag') {
      const tag = url.pathname.endsWith('/hashtag') ? url.searchParams.get('tag') : null;
      if (url.pathname.endsWith('/hashtag') && !tag) return reply(400, { error: 'Missing tag' });
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        'transfer-encoding': 'chunked',
      });
      res.write(':)\n');
      const entry = { res, tag, sent: 0, script };
      live.add(entry);
      const beat = setInterval(() => res.write(':thump\n'), heartbeatMs);
      res.on('close', () => {
        clearInterval(beat);
        live.delete(entry);
      });
      return;
    }
    const tagTimeline = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === '/api/v1/timelines/public' || tagTimeline) {
      const tag = tagTimeline ? decodeURIComponent(tagTimeline[1] as string) : null;
      const limit = Math.min(40, Math.max(1, Number(url.searchParams.get('limit') ?? 20)));
      const num = (name: string) =>
        url.searchParams.get(name) ? BigInt(url.searchParams.get(name) as string) : undefined;
      const since = num('since_id');
      const min = num('min_id');
      const max = num('max_id');
      let list = stored
        .filter((s) => belongs(s, tag) && s.reblog === null)
        .filter((s) => (since === undefined || BigInt(s.id) > since) && (min === undefined || BigInt(s.id) > min))
        .filter((s) => max === undefined || BigInt(s.id) < max)
        .sort(byIdDesc);
      // min_id: the page just after it (the oldest ones); otherwise the newest ones.
      list = min !== undefined ? list.slice(-limit) : list.slice(0, limit);
      const headers: Record<string, string> = {};
      if (list.length > 0) {
        const base = `${origin}${url.pathname}?limit=${limit}`;
        headers.link = `<${base}&max_id=${list[list.length - 1]?.id}>; rel="next", <${base}&min_id=${list[0]?.id}>; rel="prev"`;
      }
      return reply(200, list, headers);
    }
    return reply(404, { error: 'Record not found' });
  };

  const http: Server = createServer(handle);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    host: '127.0.0.1',
    requests,
    streams: () => requests.filter((r) => r.path.startsWith('/api/v1/streaming/')),
    openCount: () => live.size,
    publish: (...statuses) => {
      for (const s of statuses) {
        stored.push(s);
        broadcast('update', JSON.stringify(s), s);
      }
    },
    store: (...statuses) => {
      stored.push(...statuses);
    },
    edit: (s) => {
      const i = stored.findIndex((x) => x.id === s.id);
      if (i >= 0) stored[i] = s;
      broadcast('status.update', JSON.stringify(s), s);
    },
    remove: (id) => {
      const i = stored.findIndex((x) => x.id === id);
      if (i >= 0) stored.splice(i, 1);
      broadcast('delete', id);
    },
    close: async () => {
      for (const entry of live) entry.res.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
