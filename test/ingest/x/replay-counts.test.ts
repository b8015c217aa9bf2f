import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startIngest } from '../../../src/ingest/ingest.js';
import type { PutRecordsClient } from '../../../src/ingest/producer.js';
import { openFileReplay, replayItems } from '../../../src/ingest/sources/file-replay.js';
import type { SourceItem, SourceNotice } from '../../../src/ingest/sources/source.js';
import { corpusBytes, corpusFiles } from './corpus.js';

interface Counts {
  events: number;
  notices: number;
  bad: number;
}

/** What a corpus file replays as: posts and bad lines (`items`), and the notices, apart. */
async function replay(file: string): Promise<{ counts: Counts; items: SourceItem[]; notices: SourceNotice[] }> {
  const items: SourceItem[] = [];
  const notices: SourceNotice[] = [];
  const input = Readable.from([corpusBytes(file)]);
  for await (const item of replayItems(input, new AbortController().signal)) {
    if (item.kind === 'notice') notices.push(item.notice);
    else items.push(item);
  }
  const events = items.filter((item) => item.kind === 'event').length;
  return { counts: { events, notices: notices.length, bad: items.length - events }, items, notices };
}

/** Events, notices and bad lines each corpus file replays as (figures quoted in the corpus README). */
const FIGURES: Record<string, Counts> = {
  'v1-rest-compat-truncated.ndjson': { events: 1, notices: 0, bad: 0 },
  'v1-rest-quote-compat.ndjson': { events: 1, notices: 0, bad: 0 },
  'v1-rest-reply.ndjson': { events: 1, notices: 0, bad: 0 },
  'v1-rest-retweet-full-text.ndjson': { events: 1, notices: 0, bad: 0 },
  'v1-site-stream-hand-made.ndjson': { events: 0, notices: 3, bad: 0 },
  'v1-stream-extended.ndjson': { events: 1, notices: 0, bad: 0 },
  'v1-stream-notices.ndjson': { events: 0, notices: 9, bad: 0 },
  'v1-stream-retweet-extended.ndjson': { events: 1, notices: 0, bad: 0 },
  'v2-page-errors-hand-made.ndjson': { events: 2, notices: 3, bad: 0 },
  'v2-page-quote-reply.ndjson': { events: 1, notices: 0, bad: 0 },
  'v2-retweet-note-hand-made.ndjson': { events: 4, notices: 0, bad: 0 },
  'v2-stream-errors.ndjson': { events: 0, notices: 2, bad: 0 },
  'v2-stream-lines.ndjson': { events: 3, notices: 0, bad: 1 },
};

describe('replaying the X corpus', () => {
  it('counts events, notices and bad lines apart, file by file', async () => {
    const got: Record<string, Counts> = {};
    for (const file of corpusFiles()) got[file] = (await replay(file)).counts;
    expect(got).toEqual(FIGURES);
  });

  it('yields notices as notices: none is a post or a bad line', async () => {
    const { items, notices } = await replay('v1-stream-notices.ndjson');
    expect(items).toEqual([]);
    expect(notices.map((n) => [n.line, n.kind])).toEqual([
      [1, 'delete'],
      [2, 'scrub_geo'],
      [3, 'limit'],
      [4, 'status_withheld'],
      [5, 'user_withheld'],
      [6, 'disconnect'],
      [7, 'warning'],
      [8, 'friends'],
      [9, 'event'],
    ]);
  });

  it("yields every post of a page line and reports the page's partial errors with X's title", async () => {
    const { items, notices } = await replay('v2-page-errors-hand-made.ndjson');
    expect(items.map((item) => item.kind === 'event' && item.event.id)).toEqual([
      '1700000000000000105',
      '1700000000000000106',
    ]);
    expect(notices).toEqual([
      {
        line: 1,
        kind: 'error',
        title: 'Not Found Error',
        detail: 'Could not find tweet with ids: [1700000000000000199].',
      },
      { line: 2, kind: 'empty-page', detail: 'a page with no posts (result_count 0)' },
      {
        line: 3,
        kind: 'error',
        title: 'Authorization Error',
        detail: 'Sorry, you are not authorized to see the Tweet with ids: [1700000000000000198].',
      },
    ]);
  });

  it('reports a recording cut off mid-line as a bad line with its line number', async () => {
    const { items } = await replay('v2-stream-lines.ndjson');
    const bad = items.flatMap((item) => (item.kind === 'bad' ? [item.bad] : []));
    expect(bad).toEqual([
      { line: 4, reason: expect.stringMatching(/^not JSON/), excerpt: '{"data": {"author_id": "1021159080151404544"' },
    ]);
  });
});

describe('ingesting a file with notices', () => {
  it('counts them by kind (X title for errors) in the summary, sends only the posts, calls none bad', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'streamproc-x-'));
    const path = join(dir, 'mixed.ndjson');
    await writeFile(
      path,
      Buffer.concat([
        corpusBytes('v1-stream-notices.ndjson'),
        corpusBytes('v2-stream-errors.ndjson'),
        corpusBytes('v2-page-errors-hand-made.ndjson'),
      ]),
    );
    const seen: SourceNotice[] = [];
    const sent: string[] = [];
    const client: PutRecordsClient = {
      send: async (command) => {
        const records = command.input.Records ?? [];
        for (const record of records) sent.push(JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')).id);
        return { FailedRecordCount: 0, Records: records.map((_, i) => ({ SequenceNumber: String(i) })) };
      },
    };
    try {
      // Act
      const run = await startIngest({
        source: await openFileReplay(path),
        client,
        streamName: 's',
        givenUpFile: join(dir, 'given-up.ndjson'),
        signal: new AbortController().signal,
        lingerMs: 0,
        onNotice: (notice) => seen.push(notice),
      });
      const summary = await run.done;
      // Assess
      expect(sent).toEqual(['1700000000000000105', '1700000000000000106']);
      expect(summary.badLines).toBe(0);
      expect(seen).toHaveLength(14);
      expect(summary.notices).toEqual({
        delete: 1,
        scrub_geo: 1,
        limit: 1,
        status_withheld: 1,
        user_withheld: 1,
        disconnect: 1,
        warning: 1,
        friends: 1,
        event: 1,
        'operational-disconnect': 1,
        ConnectionException: 1,
        'Not Found Error': 1,
        'empty-page': 1,
        'Authorization Error': 1,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
