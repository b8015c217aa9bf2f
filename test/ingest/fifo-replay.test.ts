/** `ingest --file FIFO`: it waits for a writer, reads what it writes, and Ctrl-C ends the wait when no writer comes. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeTweetEvent } from '../../lambda/contract/tweet-event.js';
import { openFileReplay } from '../../src/ingest/sources/file-replay.js';
import type { SourceItem, SourceState } from '../../src/ingest/sources/source.js';
import { tweetEvent } from '../helpers/records.js';

let dir: string;
let fifo: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-fifo-'));
  fifo = join(dir, 'tweets.fifo');
  execFileSync('mkfifo', [fifo]);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replaying a FIFO', () => {
  it('with no writer, stops on Ctrl-C instead of hanging in open()', async () => {
    // Prepare: opening the source must not wait for a writer
    const states: SourceState[] = [];
    const source = await openFileReplay(fifo, { onState: (state) => states.push(state) });
    const controller = new AbortController();
    const items: SourceItem[] = [];
    // Act: abort once the source is waiting for its writer
    const reading = (async () => {
      for await (const item of source.items(controller.signal)) items.push(item);
    })();
    while (!states.some((s) => s.state === 'reading')) await new Promise((r) => setImmediate(r));
    controller.abort();
    await reading;
    // Assess
    expect(items).toEqual([]);
    expect(states.at(-1)?.state).toBe('stopped');
  });

  it('reads what a writer writes, then ends when the writer closes', async () => {
    const event = tweetEvent({ id: '1234567890123456789' });
    const source = await openFileReplay(fifo);
    const writer = spawn('sh', ['-c', `cat > ${fifo}`], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end(`${Buffer.from(encodeTweetEvent(event)).toString('utf8')}\n`);
    const items: SourceItem[] = [];
    for await (const item of source.items(new AbortController().signal)) items.push(item);
    expect(items.map((item) => (item.kind === 'event' ? item.event.id : item.kind))).toEqual([event.id]);
  });
});
