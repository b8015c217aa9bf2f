/** `--record`: what a live source received, one line each, replays to the same posts and notices. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPayloadLine } from '../../src/ingest/normalise.js';
import { RawRecorder } from '../../src/ingest/raw-recorder.js';
import { twitterSource } from '../../src/ingest/sources/twitter.js';
import { tempDirs } from '../helpers/cli.js';
import {
  type FakeXServer,
  OPERATIONAL_DISCONNECT,
  readSourceUntil,
  startFakeXServer,
  v2Message,
} from '../helpers/fake-x-server.js';

let server: FakeXServer | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await cleanup?.();
});

describe('RawRecorder', () => {
  it('captures every X message (keep-alives left out) so that --file replays the same posts and notices', async () => {
    const dirs = await tempDirs();
    cleanup = dirs.cleanup;
    const file = join(dirs.root, 'x-capture.jsonl');
    server = await startFakeXServer({
      connections: [
        {
          steps: [
            { message: v2Message({ id: '11', text: 'one 🚀' }) },
            { keepAlive: true },
            { message: v2Message({ id: '12', text: 'two\nlines' }) },
            { message: OPERATIONAL_DISCONNECT },
          ],
        },
        { steps: [{ message: v2Message({ id: '13' }) }] },
      ],
    });
    const recorder = await RawRecorder.open(file);
    const source = twitterSource({
      stack: 'test',
      credentials: { bearerToken: 'test-bearer-token' },
      keywords: ['aws'],
      apiUrl: server.url,
      timeScale: 0.001,
      recorder,
    });
    const items = await readSourceUntil(source, (got) => got.filter((i) => i.kind === 'event').length >= 3, 10_000);
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(4);
    const replayed = lines.flatMap((line) => readPayloadLine(line, 'twitter'));
    expect(replayed.map((o) => (o.kind === 'event' ? o.event.id : o.kind))).toEqual(['11', '12', 'notice', '13']);
    expect(replayed.map((o) => (o.kind === 'event' ? o.event.text : ''))[1]).toBe('two\nlines');
    expect(items.filter((i) => i.kind === 'event').map((i) => i.kind === 'event' && i.event.id)).toEqual([
      '11',
      '12',
      '13',
    ]);
  });

  it('refuses a directory in one line with a hint', async () => {
    const dirs = await tempDirs();
    cleanup = dirs.cleanup;
    await expect(RawRecorder.open(dirs.root)).rejects.toMatchObject({
      message: `Cannot record to ${dirs.root}: it is a directory`,
      hint: 'Pass --record with a file path in a writable directory.',
    });
  });
});
