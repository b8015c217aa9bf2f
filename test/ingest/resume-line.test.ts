/**
 * A run that could neither send nor save some records (the stream failing and the disk full) names
 * the input line to resume from, and `--from-line` starts there: between the two runs every record
 * of the file reaches the stream (issue #16, case 1).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngest } from '../../src/ingest/ingest.js';
import type { PutRecordsClient } from '../../src/ingest/producer.js';
import { openFileReplay, replayItems } from '../../src/ingest/sources/file-replay.js';
import type { IngestSource } from '../../src/ingest/sources/source.js';
import { syntheticTweets } from '../../src/ingest/sources/synthetic.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import {
  createStream,
  type KinesaliteHandle,
  kinesisClient,
  readStream,
  startKinesalite,
} from '../helpers/kinesalite.js';
import { waitUntil } from '../helpers/wait.js';

let kinesalite: KinesaliteHandle;
let proxy: FaultProxy;
let direct: KinesisClient;
let proxied: KinesisClient;
let dir: string;

beforeAll(async () => {
  kinesalite = await startKinesalite();
  proxy = await startFaultProxy({ target: kinesalite.endpoint });
  direct = await kinesisClient(kinesalite.endpoint);
  proxied = await kinesisClient(proxy.endpoint);
  dir = await mkdtemp(join(tmpdir(), 'streamproc-resume-'));
});
afterAll(async () => {
  direct?.destroy();
  proxied?.destroy();
  await proxy?.close();
  await kinesalite?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('resuming a file replay after records were neither sent nor saved', () => {
  it('names the first unsaved line, and --from-line from there completes the file', async () => {
    // Prepare: a file of 60 lines (a bad line at 5, a blank one at 6); the stream works for the
    // first 30 lines, then every request fails and the given-up file is /dev/full
    const events = [...syntheticTweets({ seed: 11, count: 58, startTime: 0 })];
    const lines = events.map((e) => JSON.stringify(e));
    lines.splice(4, 0, '{ not json', '');
    const file = join(dir, 'input.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);
    await createStream(direct, 'resume', 2);
    const lineIds = new Map(lines.map((text, i) => [i + 1, text.startsWith('{"') ? JSON.parse(text).id : undefined]));
    let run: Awaited<ReturnType<typeof startIngest>> | undefined;
    const sentBeforeFailure = [...lineIds.entries()].filter(([n, id]) => n <= 30 && id).length;
    async function* input() {
      yield `${lines.slice(0, 30).join('\n')}\n`;
      await waitUntil(() => (run?.progress().sent ?? 0) >= sentBeforeFailure, 20_000, 'the first 30 lines sent', 10);
      proxy.configure({ requestFailureRate: 1 });
      yield `${lines.slice(30).join('\n')}\n`;
    }
    const source: IngestSource = { name: 'file', items: (signal) => replayItems(input(), signal) };
    // Act: the failing run
    run = await startIngest({
      source,
      client: proxied as unknown as PutRecordsClient,
      streamName: 'resume',
      givenUpFile: '/dev/full',
      signal: new AbortController().signal,
      lingerMs: 5,
      retryDeadlineMs: 200,
      backoffBaseMs: 10,
      backoffCapMs: 50,
    });
    const first = await run.done;
    proxy.configure({ requestFailureRate: 0 });
    // Assess: what was lost is counted, and where to resume is the first of it
    expect(first.sent).toBe(sentBeforeFailure);
    expect(first.unsaved).toBe(events.length - sentBeforeFailure);
    expect(first.unsavedReason).toBe('no space left on device (ENOSPC) writing /dev/full');
    expect(first.resumeFromLine).toBe(31);
    // Act: the resumed run, from the file, as `ingest --file input --from-line 31` runs it
    const resumed = await startIngest({
      source: await openFileReplay(file, { fromLine: first.resumeFromLine ?? 1 }),
      client: direct as unknown as PutRecordsClient,
      streamName: 'resume',
      givenUpFile: join(dir, 'given-up.ndjson'),
      signal: new AbortController().signal,
      lingerMs: 5,
    });
    const second = await resumed.done;
    // Assess: the bad line before the resume point is not read again; every record is in the stream once
    expect(second).toMatchObject({
      sent: events.length - sentBeforeFailure,
      badLines: 0,
      unsaved: 0,
      resumeFromLine: null,
    });
    const ids = (await readStream(direct, 'resume')).map((r) => JSON.parse(r.data).id as string);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
  }, 60_000);
});
