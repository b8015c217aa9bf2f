/**
 * The control channel between the CLI and a running engine: HTTP on 127.0.0.1, every request
 * carrying the random token from the 0600 state file, so that other local users cannot drive it.
 * JSON in, JSON out; errors come back as { error } with a 4xx/5xx status.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ControlHandler = (body: unknown) => Promise<unknown>;
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
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      send(401, { error: 'bad or missing control token' });
      req.resume();
      return;
    }
    const handler = routes[`${req.method} ${req.url}`];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!handler) return send(404, { error: `no route ${req.method} ${req.url}` });
      let body: unknown;
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return send(400, { error: 'body is not JSON' });
      }
      handler(body).then(
        (value) => send(200, value ?? {}),
        (error: Error & { exit?: number; hint?: string; code?: string }) =>
          send(error.code && error.exit !== undefined ? 409 : 500, {
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

/** A failure reported by the engine (as opposed to the engine not answering). */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ControlAddress {
  port: number;
  token: string;
}

/** Calls the engine; rejects with ControlError for its errors, a plain Error when it does not answer. */
export function callEngine<T>(
  address: ControlAddress,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: address.port,
        method,
        path,
        headers: {
          authorization: `Bearer ${address.token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let value: Record<string, unknown> = {};
          try {
            value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // Leave empty: the status says enough.
          }
          if (res.statusCode === 200) resolve(value as T);
          else
            reject(
              new ControlError(
                String(value.error ?? `engine answered ${res.statusCode}`),
                res.statusCode ?? 0,
                value.hint as string | undefined,
                value.code as string | undefined,
              ),
            );
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`the engine did not answer ${method} ${path} within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}
