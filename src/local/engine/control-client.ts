/**
 * The CLI's end of the control channel: one HTTP request to the engine on 127.0.0.1 with the
 * state file's token. It sits beside the server and the protocol because the three are one wire
 * contract (token scheme, JSON envelope, status codes) and change together; it loads nothing of
 * the daemon, so the CLI may import it.
 */
import { request } from 'node:http';
import type { ControlAddress, ControlFailure, EngineRoute, EngineRoutes } from './protocol.js';

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
          let value: Partial<ControlFailure> = {};
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
                value.hint,
                value.code,
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

/** Calls one of the engine's routes, with the request and response types the protocol gives it. */
export function callRoute<R extends EngineRoute>(
  address: ControlAddress,
  route: R,
  body: EngineRoutes[R]['request'],
  timeoutMs?: number,
): Promise<EngineRoutes[R]['response']> {
  const [method, path] = route.split(' ') as ['GET' | 'POST', string];
  return callEngine(address, method, path, body, timeoutMs);
}
