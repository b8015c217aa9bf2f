/** The spending guard of billed sources: --max-posts stops exactly, posts read and the estimated spend are counted. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startIngest } from '../../src/ingest/ingest.js';
import { billingFigures, formatUsd, POST_COST_ENV, postCost, X_POST_COST_USD } from '../../src/ingest/post-billing.js';
import type { PutRecordsClient } from '../../src/ingest/producer.js';
import type { IngestSource } from '../../src/ingest/sources/source.js';
import { syntheticSource } from '../../src/ingest/sources/synthetic.js';

/** Acknowledges every record at once, keeping the ids it was sent. */
function acceptingClient(sent: string[]): PutRecordsClient {
  return {
    send: async (command) => {
      const records = command.input.Records ?? [];
      for (const r of records) sent.push(JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')).id);
      return { FailedRecordCount: 0, Records: records.map((_, i) => ({ SequenceNumber: String(i) })) };
    },
  };
}

/** An endless source that bills per post it hands on, like the X stream. */
function billedEndlessSource(): IngestSource & { handed: () => number } {
  const inner = syntheticSource({ seed: 3 });
  let read = 0;
  return {
    name: 'twitter',
    billing: { service: 'x', costPerPostUsd: 0.005, postsRead: () => read },
    handed: () => read,
    async *items(signal) {
      for await (const item of inner.items(signal)) {
        if (item.kind === 'event') read += 1;
        yield item;
      }
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-guard-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--max-posts', () => {
  it('stops an endless source cleanly after exactly N posts sent, and says what it read and cost', async () => {
    // Prepare
    const sent: string[] = [];
    const source = billedEndlessSource();
    // Act
    const run = await startIngest({
      source,
      client: acceptingClient(sent),
      streamName: 's',
      givenUpFile: join(dir, 'given-up.ndjson'),
      signal: new AbortController().signal,
      lingerMs: 5,
      maxPosts: 137,
    });
    const summary = await run.done;
    // Assess
    expect(sent).toHaveLength(137);
    expect(summary).toMatchObject({ sent: 137, interrupted: false, maxPosts: 137 });
    expect(source.handed()).toBe(137);
    expect(summary.billing).toEqual({
      service: 'x',
      postsRead: 137,
      costPerPostUsd: 0.005,
      estimatedCostUsd: 0.685,
      estimate: true,
    });
  });

  it('leaves a source that costs nothing without billing figures', async () => {
    const run = await startIngest({
      source: syntheticSource({ seed: 4, count: 10 }),
      client: acceptingClient([]),
      streamName: 's',
      givenUpFile: join(dir, 'given-up.ndjson'),
      signal: new AbortController().signal,
      lingerMs: 0,
    });
    const summary = await run.done;
    expect(summary).toMatchObject({ sent: 10, maxPosts: null, billing: null });
  });
});

describe('the post rate', () => {
  it("is X's published rate unless a flag or the environment says otherwise", () => {
    expect(postCost(undefined, {})).toBe(X_POST_COST_USD);
    expect(postCost('0.01', {})).toBe(0.01);
    expect(postCost('$0.002', {})).toBe(0.002);
    expect(postCost(undefined, { [POST_COST_ENV]: '0.004' })).toBe(0.004);
    expect(postCost('-1', {})).toBe('--post-cost "-1" is not a dollar amount');
    expect(postCost(undefined, { [POST_COST_ENV]: 'cheap' })).toBe(`${POST_COST_ENV} "cheap" is not a dollar amount`);
  });

  it('rounds the estimate to a tenth of a cent and shows small sums with three decimals', () => {
    const figures = billingFigures({ service: 'x', costPerPostUsd: 0.005, postsRead: () => 12_345 });
    expect(figures.estimatedCostUsd).toBe(61.725);
    expect(formatUsd(0.005)).toBe('$0.005');
    expect(formatUsd(61.725)).toBe('$61.73');
  });
});
