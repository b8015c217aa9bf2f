// An HTTP proxy that holds every request for a fixed delay before forwarding it, standing in for
// the network round trip to a real DynamoDB endpoint. Usage: node delay-proxy.js <targetPort> <ms>.
// Prints {"port":N} once listening; exits when its parent closes stdin or kills it.
import http from 'node:http';

const targetPort = Number(process.argv[2]);
const delayMs = Number(process.argv[3] ?? 10);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
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
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
