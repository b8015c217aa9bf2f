/**
 * `jetstream-server.ts COUNT MATCHING_EVERY`: a Jetstream that, on each `/subscribe` connection,
 * sends COUNT prebuilt post events from the cursor on as fast as the socket takes them (every
 * MATCHING_EVERY-th mentions "aws", the rest do not), with an identity event every 50. Prints
 * {"port":N}; see child-server.ts.
 */
import { WebSocketServer } from 'ws';
import { identityEvent, postEvent } from '../../test/helpers/fake-jetstream.js';
import { serveUntilParentLeaves } from './child-server.js';

const count = Number(process.argv[2] ?? 20_000);
const matchingEvery = Number(process.argv[3] ?? 2);
const T0 = 1_764_676_800_000_000;
const texts = [
  'Kinesis → Lambda → DynamoDB on AWS 🚀 #serverless',
  'Morning coffee ☕ and a long walk in the park with the dog',
];
const lines: { timeUs: number; line: string }[] = [];
for (let i = 0; i < count; i++) {
  const timeUs = T0 + i * 10;
  const did = `did:plc:benchauthor${String(i % 500).padStart(12, '0')}`;
  const event =
    i % 50 === 49
      ? identityEvent(did, `author${i % 500}.bsky.social`, timeUs)
      : postEvent({ did, timeUs, text: `${texts[i % matchingEvery === 0 ? 0 : 1]} ${i}` });
  lines.push({ timeUs, line: JSON.stringify(event) });
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/subscribe', perMessageDeflate: false });
wss.on('connection', (socket, request) => {
  const cursor = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('cursor') ?? 0);
  let next = lines.findIndex((l) => l.timeUs >= cursor);
  if (next < 0) return;
  // Sends while the socket's buffer is small, then waits for it to drain: as fast as the client reads.
  const pump = () => {
    while (next < lines.length && socket.bufferedAmount < 1 << 20)
      socket.send((lines[next++] as { line: string }).line);
    if (next < lines.length) setTimeout(pump, 1);
  };
  pump();
});
wss.on('listening', () => {
  const address = wss.address();
  serveUntilParentLeaves(typeof address === 'object' && address !== null ? address.port : 0);
});
