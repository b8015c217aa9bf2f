/**
 * Bluesky source bench: `npx tsx bench/bluesky.ts`.
 *
 * A fast fake Jetstream (a child process sending prebuilt post events as fast as the socket takes
 * them; half mention "aws") into `ingest --bluesky`'s source (WebSocket client, JSON parse,
 * de-duplication, keyword filter, mapping to the contract, handle cache) and the producer, into
 * kinesalite and into a sink that acknowledges instantly (both child processes). Figures: posts
 * sent per second, Jetstream messages read per second, and this process's CPU per message read.
 */

import { HandleCache } from '../src/ingest/bluesky/handle-cache.js';
import { blueskySource } from '../src/ingest/sources/bluesky.js';
import { createStream, kinesisClient } from '../test/helpers/kinesalite.js';
import { startChildServer, stopChildServers } from './lib/child-server.js';
import { measureLiveSource } from './lib/live-source-run.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MESSAGES = Number(process.env.BENCH_BLUESKY_MESSAGES ?? 40_000);
const T0 = 1_764_676_800_000_000;

interface Run {
  posts: number;
  messages: number;
  seconds: number;
  postsPerSecond: number;
  messagesPerSecond: number;
  cpuMicrosPerMessage: number;
}

async function run(jetstream: string, kinesisEndpoint: string, stream: string, posts: number): Promise<Run> {
  const client = await kinesisClient(kinesisEndpoint, 1, 6);
  const source = blueskySource({
    keywords: ['aws'],
    url: `ws://127.0.0.1:${jetstream}`,
    handles: new HandleCache(),
    startCursor: T0 - 1,
  });
  const measured = await measureLiveSource({ name: 'bluesky', source, client, stream, posts });
  return {
    posts: measured.posts,
    messages: measured.received,
    seconds: measured.seconds,
    postsPerSecond: measured.postsPerSecond,
    messagesPerSecond: measured.receivedPerSecond,
    cpuMicrosPerMessage: measured.cpuMicrosPerReceived,
  };
}

async function main(): Promise<void> {
  const jetstream = await startChildServer('./jetstream-server.ts', [String(MESSAGES), '2']);
  const kinesis = await startChildServer('./emulator-server.ts', ['kinesalite']);
  const sink = await startChildServer('./instant-sink.ts');
  await createStream(await kinesisClient(kinesis.endpoint, 1, 2), 'bench-bluesky', 4);
  // Every other message mentions aws; every 50th is an identity event: the last post is this many.
  const posts = Array.from({ length: MESSAGES }, (_, i) => i).filter((i) => i % 50 !== 49 && i % 2 === 0).length;
  const intoKinesalite = await run(String(jetstream.port), kinesis.endpoint, 'bench-bluesky', posts);
  const intoSink = await run(String(jetstream.port), sink.endpoint, 'bench-bluesky', posts);
  const result = {
    bench: 'bluesky',
    messages: MESSAGES,
    intoKinesalite,
    intoSink,
    report: [
      {
        figure: 'ingest --bluesky posts/s into kinesalite (half the messages match)',
        measured: `${intoKinesalite.postsPerSecond.toLocaleString('en-US')} posts/s`,
        goal: '—',
        met: null,
      },
      {
        figure: 'ingest --bluesky Jetstream messages read/s (instant sink)',
        measured: `${intoSink.messagesPerSecond.toLocaleString('en-US')} msg/s`,
        goal: '—',
        met: null,
      },
      {
        figure: 'ingest --bluesky CPU per message read (instant sink)',
        measured: `${intoSink.cpuMicrosPerMessage} µs`,
        goal: '—',
        met: null,
      },
    ],
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(
    [
      '',
      `bluesky bench (${MESSAGES.toLocaleString('en-US')} Jetstream messages, every other one matching; Jetstream, kinesalite and the sink in child processes)`,
      `  → kinesalite     ${intoKinesalite.postsPerSecond.toLocaleString('en-US')} posts/s sent, ${intoKinesalite.messagesPerSecond.toLocaleString('en-US')} messages/s read (${intoKinesalite.posts} posts in ${intoKinesalite.seconds} s)`,
      `  → instant sink   ${intoSink.postsPerSecond.toLocaleString('en-US')} posts/s sent, ${intoSink.messagesPerSecond.toLocaleString('en-US')} messages/s read, ${intoSink.cpuMicrosPerMessage} µs CPU per message`,
      '',
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  stopChildServers();
}
