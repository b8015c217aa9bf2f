/**
 * One run of a live source's bench (bench/bluesky.ts, bench/mastodon.ts): the source into the
 * producer until `posts` posts were sent, into the Kinesis endpoint given (kinesalite or the
 * instant sink). Figures: posts sent per second, source messages read per second, and this
 * process's CPU per message read.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startIngest } from '../../src/ingest/ingest.js';
import type { IngestSource } from '../../src/ingest/sources/source.js';

export interface LiveSourceRun {
  posts: number;
  /** What the source read (Jetstream messages, SSE events). */
  received: number;
  seconds: number;
  postsPerSecond: number;
  receivedPerSecond: number;
  cpuMicrosPerReceived: number;
}

export async function measureLiveSource(options: {
  name: string;
  source: IngestSource & { stats: { received: number } };
  client: KinesisClient;
  stream: string;
  posts: number;
}): Promise<LiveSourceRun> {
  const { source, client, posts } = options;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const ingest = await startIngest({
    source,
    client,
    streamName: options.stream,
    givenUpFile: join(tmpdir(), `bench-${options.name}-given-up-${process.pid}.jsonl`),
    signal: new AbortController().signal,
    maxPosts: posts,
  });
  const summary = await ingest.done;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  client.destroy();
  if (summary.sent !== posts) throw new Error(`sent ${summary.sent} of ${posts}`);
  const received = source.stats.received;
  return {
    posts,
    received,
    seconds: Number(seconds.toFixed(3)),
    postsPerSecond: Math.round(posts / seconds),
    receivedPerSecond: Math.round(received / seconds),
    cpuMicrosPerReceived: Number(((used.user + used.system) / received).toFixed(1)),
  };
}
