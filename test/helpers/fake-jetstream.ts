/** A stand-in for Bluesky's Jetstream on 127.0.0.1: `/subscribe` over WebSocket, cursor replay, scripted drops, stalls, refusals. */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * Follows Jetstream's protocol as its README describes it: `GET /subscribe` upgraded to a
 * WebSocket, one JSON event per text message; `wantedCollections` filters commit events by
 * collection (identity and account events always pass); `cursor` (unix microseconds) replays
 * every stored event with `time_us >= cursor` before the live tail, and without a cursor a client
 * gets only what is published after it connected. `compress` is refused here (the client must
 * not ask for zstd). Every connection plays the next script: a drop after N messages, a stall
 * (silent, pings unanswered), or an HTTP refusal of the upgrade.
 */
export type JetstreamScript = { status: 429 | 400 | 503 } | { dropAfter?: number; stall?: boolean };

export interface FakeJetstreamOptions {
  connections?: JetstreamScript[];
}

export interface FakeJetstreamConnection {
  url: string;
  cursor: number | undefined;
  wantedCollections: string[];
}

export interface FakeJetstream {
  /** `ws://127.0.0.1:<port>` (the client adds `/subscribe`). */
  url: string;
  /** Every connection attempt, in order, with what it asked for. */
  connections: FakeJetstreamConnection[];
  /** Connections open right now. */
  openCount(): number;
  /** Stores the events (time_us ascending) and sends them to every open connection that wants them. */
  publish(...events: Jetstream[]): void;
  /** Messages sent over all connections. */
  sent(): number;
  close(): Promise<void>;
}

export type Jetstream = {
  did: string;
  time_us: number;
  kind: string;
  commit?: { collection?: string } & Record<string, unknown>;
} & Record<string, unknown>;

const TID_ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';

/** A record key as Bluesky makes them: the TID of `timeUs` (53 bits of microseconds, 10 of clock id). */
export function tidOf(timeUs: number, clockId = 0): string {
  let value = (BigInt(timeUs) << 10n) | BigInt(clockId & 0x3ff);
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = TID_ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** A Jetstream `create` commit of an `app.bsky.feed.post`, shaped as Jetstream sends it. */
export function postEvent(options: {
  did: string;
  timeUs: number;
  text: string;
  rkey?: string;
  langs?: string[];
}): Jetstream {
  const rkey = options.rkey ?? tidOf(options.timeUs);
  return {
    did: options.did,
    time_us: options.timeUs,
    kind: 'commit',
    commit: {
      rev: tidOf(options.timeUs, 1),
      operation: 'create',
      collection: 'app.bsky.feed.post',
      rkey,
      record: {
        $type: 'app.bsky.feed.post',
        createdAt: new Date(Math.floor(options.timeUs / 1000)).toISOString(),
        langs: options.langs ?? ['en'],
        text: options.text,
      },
      cid: `bafyrei${rkey}`,
    },
  };
}

/** A Jetstream `identity` event: `did` now has `handle`. */
export function identityEvent(did: string, handle: string, timeUs: number): Jetstream {
  return {
    did,
    time_us: timeUs,
    kind: 'identity',
    identity: { did, handle, seq: timeUs, time: new Date(Math.floor(timeUs / 1000)).toISOString() },
  };
}

export async function startFakeJetstream(options: FakeJetstreamOptions = {}): Promise<FakeJetstream> {
  const scripts = [...(options.connections ?? [])];
  const log: Jetstream[] = [];
  const connections: FakeJetstreamConnection[] = [];
  const live = new Set<{
    socket: WebSocket;
    wants: (e: Jetstream) => boolean;
    send: (e: Jetstream) => void;
    dropped: boolean;
  }>();
  const stalled = new Set<Duplex>();
  let sent = 0;
  const http: Server = createServer((_req, res) => {
    res.writeHead(426).end('upgrade required');
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const cursorParam = url.searchParams.get('cursor');
    const connection = {
      url: url.toString(),
      cursor: cursorParam === null ? undefined : Number(cursorParam),
      wantedCollections: url.searchParams.getAll('wantedCollections'),
    };
    connections.push(connection);
    const script = scripts.shift() ?? {};
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/subscribe') return refuse(404);
    if (url.searchParams.get('compress') === 'true') return refuse(400);
    if ('status' in script) return refuse(script.status);
    if (script.stall) {
      // Upgraded, then silent and deaf to pings: the client's stall timeout must notice.
      const key = String(request.headers['sec-websocket-key']);
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      stalled.add(socket);
      socket.on('close', () => stalled.delete(socket));
      socket.on('error', () => {});
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const wanted = connection.wantedCollections;
      const wants = (e: Jetstream) =>
        e.kind !== 'commit' || wanted.length === 0 || wanted.includes(String(e.commit?.collection));
      let mine = 0;
      const entry = {
        socket: ws,
        wants,
        send: (e: Jetstream) => {
          if (entry.dropped) return;
          mine += 1;
          sent += 1;
          const last = script.dropAfter !== undefined && mine >= script.dropAfter;
          if (last) entry.dropped = true;
          // A drop comes after the message was flushed to the socket, then the TCP connection dies.
          ws.send(JSON.stringify(e), () => {
            if (last) ws.terminate();
          });
        },
        dropped: false,
      };
      live.add(entry);
      ws.on('close', () => live.delete(entry));
      if (connection.cursor !== undefined) {
        for (const e of log) if (e.time_us >= (connection.cursor as number) && wants(e)) entry.send(e);
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    openCount: () => [...live].filter((e) => !e.dropped).length + stalled.size,
    publish: (...events) => {
      for (const e of events) {
        log.push(e);
        for (const entry of live) if (entry.wants(e)) entry.send(e);
      }
    },
    sent: () => sent,
    close: async () => {
      for (const entry of live) entry.socket.terminate();
      for (const client of wss.clients) client.terminate();
      for (const socket of stalled) socket.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
