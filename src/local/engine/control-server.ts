/**
 * The daemon's end of the control channel: HTTP on 127.0.0.1, every request carrying the random
 * token from the 0600 state file, so that other local users cannot drive it.
 * JSON in, JSON out; errors go back as a ControlFailure with a 4xx/5xx status.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlFailure } from './protocol.js';

/** A handler takes the request's JSON body; `never` lets each route declare its own body type. */
export type ControlHandler = (body: never) => Promise<unknown>;
export type ControlRoutes = Record<string, ControlHandler>;

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

/** Routes are keyed `METHOD /path`, e.g. `GET /status`, `POST /apply/stream`. */
export async function startControlServer(token: string, routes: ControlRoutes): Promise<ControlServer> {
  const expected = Buffer.from(`Bearer ${token}`);
  const server: Server = createServer((req, res) => {
    const send = (status: number, value: unknown) => {
      const body = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const fail = (status: number, failure: ControlFailure) => send(status, failure);
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      fail(401, { error: 'bad or missing control token' });
      req.resume();
      return;
    }
    // The body is trusted to be what the route declares: only the CLI holds the token.
    const handler = routes[`${req.method} ${req.url}`] as ((body: unknown) => Promise<unknown>) | undefined;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!handler) return fail(404, { error: `no route ${req.method} ${req.url}` });
      let body: unknown;
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return fail(400, { error: 'body is not JSON' });
      }
      handler(body).then(
        (value) => send(200, value ?? {}),
        // A UserError (it has a code and an exit status) is the caller's to fix: 409, not 500.
        (error: Error & { exit?: number; hint?: string; code?: string }) =>
          fail(error.code && error.exit !== undefined ? 409 : 500, {
            error: error.message,
            ...(error.hint ? { hint: error.hint } : {}),
            ...(error.code ? { code: error.code } : {}),
          }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
