/**
 * The CLI's end of the control channel against plain HTTP servers: what it sends for a route, and
 * how it tells an engine's refusal (ControlError) from an engine that does not answer (Error).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlError, callEngine, callRoute } from '../../../src/local/engine/control-client.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('control client', () => {
  it('sends a route as its method and path, with the token and the JSON body', async () => {
    // Prepare
    const seen: { method?: string; url?: string; authorization?: string; body?: string }[] = [];
    const port = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ committed: true }));
      });
    });
    const pipeline = { stack: 'demo' } as never;
    // Act
    const answer = await callRoute({ port, token: 'abc' }, 'POST /apply/commit', { pipeline });
    // Assess
    expect(answer).toEqual({ committed: true });
    expect(seen).toEqual([
      { method: 'POST', url: '/apply/commit', authorization: 'Bearer abc', body: '{"pipeline":{"stack":"demo"}}' },
    ]);
  });

  it('rejects with ControlError and the status when the answer is an error without a JSON body', async () => {
    const port = await serve((_req, res) => {
      res.writeHead(502);
      res.end('bad gateway');
    });
    const attempt = callEngine({ port, token: 't' }, 'GET', '/status');
    await expect(attempt).rejects.toBeInstanceOf(ControlError);
    await expect(attempt).rejects.toMatchObject({ status: 502, message: 'engine answered 502' });
  });

  it('rejects with a plain Error when nothing listens', async () => {
    // Prepare: a port that was free a moment ago.
    const port = await serve(() => {});
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    // Act
    const attempt = callEngine({ port, token: 't' }, 'GET', '/status');
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(attempt).rejects.not.toBeInstanceOf(ControlError);
  });

  it('gives up on an engine that accepts the request but never answers', async () => {
    const port = await serve(() => {});
    const attempt = callEngine({ port, token: 't' }, 'GET', '/status', undefined, 100);
    await expect(attempt).rejects.toThrow('the engine did not answer GET /status within 100 ms');
    await expect(attempt).rejects.not.toBeInstanceOf(ControlError);
  });
});
