/**
 * `delay-proxy.ts <targetPort> <ms>`: an HTTP proxy that holds every request for a fixed delay
 * before forwarding it, standing in for the network round trip to a real DynamoDB endpoint.
 * Prints {"port":N}; see child-server.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveUntilParentLeaves } from './child-server.js';

const targetPort = Number(process.argv[2]);
const delayMs = Number(process.argv[3] ?? 10);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    setTimeout(() => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: targetPort,
          method: request.method,
          path: request.url,
          headers: request.headers,
          agent,
        },
        (reply) => {
          response.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(response);
        },
      );
      upstream.on('error', (error) => {
        response.writeHead(502);
        response.end(String(error));
      });
      upstream.end(Buffer.concat(chunks));
    }, delayMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => serveUntilParentLeaves((server.address() as AddressInfo).port));
