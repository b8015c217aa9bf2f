/** The ingest service's wiring: source first, then the stream through the target, against kinesalite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStackSettings } from '../../src/config/settings.js';
import type { ResolvedStack } from '../../src/config/store.js';
import { ingestIntoStack } from '../../src/ingest/ingest.js';
import type { PipelineEndpoints, StackTarget } from '../../src/target.js';
import {
  createStream,
  DUMMY_CREDENTIALS,
  type KinesaliteHandle,
  kinesisClient,
  readStream,
  startKinesalite,
} from '../helpers/kinesalite.js';

let kinesis: KinesaliteHandle;
const stack: ResolvedStack = { name: 'svc', settings: defaultStackSettings(), configured: false, file: '' };

/** A target that knows only where the stream is, and counts how often it was asked. */
function streamTarget(streamName: string) {
  const asked = { endpoints: 0 };
  const endpoints: PipelineEndpoints = {
    target: 'local',
    stack: stack.name,
    region: 'us-east-1',
    streamName,
    tableName: 'unused',
    kinesis: { endpoint: kinesis.endpoint, credentials: DUMMY_CREDENTIALS },
    dynamodb: {},
  };
  const target = {
    endpoints: async () => {
      asked.endpoints += 1;
      return endpoints;
    },
  } as unknown as StackTarget;
  return { target, asked };
}

beforeAll(async () => {
  kinesis = await startKinesalite();
  const client = await kinesisClient(kinesis.endpoint);
  await createStream(client, 'svc-EventStream', 1);
  await createStream(client, 'other-stream', 1);
  client.destroy();
});
afterAll(async () => {
  await kinesis?.close();
});

describe('ingest service', () => {
  it("sends the chosen source into the stack's stream and returns the synthetic seed", async () => {
    // Prepare
    const { target } = streamTarget('svc-EventStream');
    // Act
    const run = await ingestIntoStack({
      stack,
      source: { synthetic: true, count: 5, seed: 3 },
      signal: new AbortController().signal,
      target,
    });
    const summary = await run.done;
    // Assess
    expect(run.seed).toBe(3);
    expect(summary).toMatchObject({ sent: 5, stream: 'svc-EventStream', givenUp: 0 });
    const client = await kinesisClient(kinesis.endpoint);
    expect(await readStream(client, 'svc-EventStream')).toHaveLength(5);
    client.destroy();
  });

  it('sends to the stream the caller names instead (--stream)', async () => {
    const { target } = streamTarget('svc-EventStream');
    const run = await ingestIntoStack({
      stack,
      source: { synthetic: true, count: 2, seed: 4 },
      streamName: 'other-stream',
      signal: new AbortController().signal,
      target,
    });
    expect((await run.done).stream).toBe('other-stream');
    const client = await kinesisClient(kinesis.endpoint);
    expect(await readStream(client, 'other-stream')).toHaveLength(2);
    client.destroy();
  });

  it('opens the source before asking the target, so that a missing file fails first', async () => {
    const { target, asked } = streamTarget('svc-EventStream');
    const attempt = ingestIntoStack({
      stack,
      source: { file: '/nonexistent/tweets.jsonl' },
      signal: new AbortController().signal,
      target,
    });
    await expect(attempt).rejects.toThrow(/tweets\.jsonl/);
    expect(asked.endpoints).toBe(0);
  });
});
