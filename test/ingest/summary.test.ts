/** How an ingest run ends: records that did not reach the stream make it a failure, said in one line. */
import { describe, expect, it } from 'vitest';
import { type IngestSummary, ingestVerdict } from '../../src/ingest/summary.js';

const summary = (over: Partial<IngestSummary>): IngestSummary => ({
  source: 'file',
  stream: 's',
  sent: 10,
  failed: 0,
  rejected: 0,
  badLines: 0,
  badLineSamples: [],
  notices: {},
  retried: 0,
  givenUp: 0,
  givenUpFile: null,
  unsaved: 0,
  unsavedReason: null,
  resumeFromLine: null,
  durationMs: 1,
  recordsPerSecond: 1,
  bytesPerSecond: 1,
  interrupted: false,
  maxPosts: null,
  billing: null,
  identity: { as: 'operator', arn: null },
  ...over,
});

describe('ingestVerdict', () => {
  it('is success when every record reached the stream (bad lines and notices are not failures)', () => {
    expect(ingestVerdict(summary({ badLines: 3, notices: { delete: 2 } }))).toEqual({ exit: 0 });
  });

  it('is a failure naming the given-up file when records were given up', () => {
    const verdict = ingestVerdict(summary({ failed: 7, givenUp: 7, givenUpFile: '/d/given-up.ndjson' }));
    expect(verdict).toEqual({
      exit: 1,
      problem: '7 record(s) did not reach the stream: 7 given up and saved to /d/given-up.ndjson (replay with --file)',
    });
  });

  it('counts records too large to send', () => {
    expect(ingestVerdict(summary({ failed: 1, rejected: 1 })).problem).toBe(
      '1 record(s) did not reach the stream: 1 too large for the record contract',
    );
  });

  it('is 130 after an interrupt, whatever else happened', () => {
    expect(ingestVerdict(summary({ interrupted: true, failed: 2, givenUp: 2 }))).toEqual({ exit: 130 });
  });

  it('is a failure naming what was lost when records could be neither sent nor saved (a full disk)', () => {
    const verdict = ingestVerdict(
      summary({
        failed: 507,
        givenUp: 0,
        unsaved: 507,
        unsavedReason: 'no space left on device (ENOSPC) writing /d/given-up.ndjson',
        interrupted: true,
      }),
    );
    expect(verdict).toEqual({
      exit: 1,
      problem: '507 record(s) were neither sent nor saved: no space left on device (ENOSPC) writing /d/given-up.ndjson',
    });
  });

  it('names the input line to resume from when the unsaved records came from a file', () => {
    const verdict = ingestVerdict(
      summary({
        failed: 5,
        unsaved: 5,
        unsavedReason: 'no space left on device (ENOSPC) writing /dev/full',
        resumeFromLine: 41,
      }),
    );
    expect(verdict.problem).toBe(
      '5 record(s) were neither sent nor saved: no space left on device (ENOSPC) writing /dev/full; once there is room, resume with --from-line 41',
    );
  });
});
