/**
 * `mastodon-server.ts COUNT MATCHING_EVERY`: a Mastodon instance whose public stream, on each
 * connection, sends COUNT prebuilt `update` events (real-shaped statuses with HTML content; every
 * MATCHING_EVERY-th mentions "aws") as fast as the socket takes them, with a `:thump` every 100.
 * Prints {"port":N}; see child-server.ts.
 */
import { createServer } from 'node:http';
import { account, snowflake, status } from '../../test/helpers/fake-mastodon.js';
import { serveUntilParentLeaves } from './child-server.js';

const count = Number(process.argv[2] ?? 20_000);
const matchingEvery = Number(process.argv[3] ?? 2);
const T0 = Date.parse('2026-12-02T12:00:00.000Z');
const texts = [
  'Kinesis → Lambda → DynamoDB on AWS 🚀 #serverless & friends',
  'Morning coffee ☕ and a long walk in the park with the dog #dogsofmastodon',
];
const chunks: string[] = [];
for (let i = 0; i < count; i++) {
  const author = account(
    `author${i % 500}`,
    i % 3 === 0 ? null : 'example.social',
    String(109_000_000_000_000_000n + BigInt(i % 500)),
  );
  const s = status({
    id: snowflake(T0 + i, i & 0xffff),
    text: `${texts[i % matchingEvery === 0 ? 0 : 1]} ${i}`,
    account: author,
  });
  chunks.push(`event: update\ndata: ${JSON.stringify(s)}\n\n${i % 100 === 99 ? ':thump\n' : ''}`);
}

const server = createServer((req, res) => {
  if (!req.url?.startsWith('/api/v1/streaming/public')) {
    res.writeHead(404).end('{"error":"Record not found"}');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let next = 0;
  // Writes until the socket's buffer is full, then waits for 'drain': as fast as the client reads.
  const pump = () => {
    while (next < chunks.length) if (!res.write(chunks[next++] as string)) return void res.once('drain', pump);
  };
  pump();
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  serveUntilParentLeaves(typeof address === 'object' && address !== null ? address.port : 0);
});
