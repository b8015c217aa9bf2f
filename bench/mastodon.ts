/**
 * Mastodon source bench: `npx tsx bench/mastodon.ts`.
 *
 * A fast fake instance (a child process writing prebuilt `update` events on its public stream as
 * fast as the socket takes them; half mention "aws") into `ingest --mastodon`'s source (fetch + SSE
 * parsing, de-duplication by id, HTML to text, keyword filter, mapping to the contract) and the
 * producer, into kinesalite and into a sink that acknowledges instantly (both child processes).
 * Figures: posts sent per second, events read per second, and this process's CPU per event.
 */

import { mastodonSource } from '../src/ingest/sources/mastodon.js';
import { createStream, kinesisClient } from '../test/helpers/kinesalite.js';
import { startChildServer, stopChildServers } from './lib/child-server.js';
import { measureLiveSource } from './lib/live-source-run.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const EVENTS = Number(process.env.BENCH_MASTODON_EVENTS ?? 40_000);

interface Run {
  posts: number;
  events: number;
  seconds: number;
  postsPerSecond: number;
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
}

async function run(instancePort: number, kinesisEndpoint: string, stream: string, posts: number): Promise<Run> {
  const client = await kinesisClient(kinesisEndpoint, 1, 6);
  // A phrase among the keywords: the public stream, filtered here (the heavier path).
  const keywords = ['aws', 'lambda dynamodb'];
  const source = mastodonSource({
    keywords,
    instance: new URL(`http://127.0.0.1:${instancePort}`),
    streams: [{ kind: 'public' }],
  });
  const measured = await measureLiveSource({ name: 'mastodon', source, client, stream, posts });
  return {
    posts: measured.posts,
    events: measured.received,
    seconds: measured.seconds,
    postsPerSecond: measured.postsPerSecond,
    eventsPerSecond: measured.receivedPerSecond,
    cpuMicrosPerEvent: measured.cpuMicrosPerReceived,
  };
}

async function main(): Promise<void> {
  const instance = await startChildServer('./mastodon-server.ts', [String(EVENTS), '2']);
  const kinesis = await startChildServer('./emulator-server.ts', ['kinesalite']);
  const sink = await startChildServer('./instant-sink.ts');
  await createStream(await kinesisClient(kinesis.endpoint, 1, 2), 'bench-mastodon', 4);
  // Every other event mentions aws: the last matching one is this many.
  const posts = Math.ceil(EVENTS / 2);
  const intoKinesalite = await run(instance.port, kinesis.endpoint, 'bench-mastodon', posts);
  const intoSink = await run(instance.port, sink.endpoint, 'bench-mastodon', posts);
  const result = {
    bench: 'mastodon',
    events: EVENTS,
    intoKinesalite,
    intoSink,
    report: [
      {
        figure: 'ingest --mastodon posts/s into kinesalite (half the events match)',
        measured: `${intoKinesalite.postsPerSecond.toLocaleString('en-US')} posts/s`,
        goal: '—',
        met: null,
      },
      {
        figure: 'ingest --mastodon SSE events read/s (instant sink)',
        measured: `${intoSink.eventsPerSecond.toLocaleString('en-US')} events/s`,
        goal: '—',
        met: null,
      },
      {
        figure: 'ingest --mastodon CPU per event read (instant sink)',
        measured: `${intoSink.cpuMicrosPerEvent} µs`,
        goal: '—',
        met: null,
      },
    ],
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(
    [
      '',
      `mastodon bench (${EVENTS.toLocaleString('en-US')} update events on the public stream, every other one matching; the instance, kinesalite and the sink in child processes)`,
      `  → kinesalite     ${intoKinesalite.postsPerSecond.toLocaleString('en-US')} posts/s sent, ${intoKinesalite.eventsPerSecond.toLocaleString('en-US')} events/s read (${intoKinesalite.posts} posts in ${intoKinesalite.seconds} s)`,
      `  → instant sink   ${intoSink.postsPerSecond.toLocaleString('en-US')} posts/s sent, ${intoSink.eventsPerSecond.toLocaleString('en-US')} events/s read, ${intoSink.cpuMicrosPerEvent} µs CPU per event`,
      '',
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  stopChildServers();
}
