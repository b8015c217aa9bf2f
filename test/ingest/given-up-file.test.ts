/** Where given-up records go when the user does not say: one default for `ingest` and the demo. */
import { describe, expect, it } from 'vitest';
import { givenUpFilePath } from '../../src/ingest/given-up-file.js';

const env = { STREAMPROC_DATA_DIR: '/data' };

describe('given-up file path', () => {
  it("defaults to a file named by the run's start time under the stack's data directory", () => {
    const path = givenUpFilePath('demo', { now: new Date('2026-12-02T10:00:00.123Z'), env });
    expect(path).toBe('/data/stacks/demo/ingest/given-up-2026-12-02T10-00-00-123Z.ndjson');
  });

  it('names the file after the run when the caller names it (the demo: its seed)', () => {
    expect(givenUpFilePath('streamproc', { run: 'demo-7', env })).toBe(
      '/data/stacks/streamproc/ingest/given-up-demo-7.ndjson',
    );
  });
});
