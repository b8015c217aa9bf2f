/** How redrive looks: progress lines per batch (none for a dry run's), the lost ranges in words, the summary. */
import { describe, expect, it } from 'vitest';
import type { RedriveResult } from '../../src/redrive/redrive.js';
import { progressLines } from '../../src/ui/console-reporter.js';
import { formatLostRange, formatRedriveBatch, renderRedriveSummary } from '../../src/ui/redrive-view.js';

const SHARD = 'shardId-000000000000';

function result(overrides: Partial<RedriveResult> = {}): RedriveResult {
  return {
    stack: 's',
    target: 'local',
    dryRun: false,
    destination: '/data/stacks/s/mapping/failures.jsonl',
    batches: 2,
    records: 10,
    lost: [],
    removed: 2,
    notRemoved: 0,
    kept: [],
    remaining: 0,
    details: [],
    ...overrides,
  };
}

describe('redrive view', () => {
  it('prints one line per batch that changed, and none for a dry run (its table shows them)', () => {
    const batch = { where: 'failures.jsonl entry 1', shardId: SHARD, from: '1', to: '9', records: 9 };
    expect(progressLines({ type: 'redriveBatch', batch: { ...batch, outcome: 'redriven' } }, false)).toEqual([
      '✔ redriven failures.jsonl entry 1: 9 records shardId-000000000000 1..9',
    ]);
    expect(progressLines({ type: 'redriveBatch', batch: { ...batch, outcome: 'would-redrive' } }, false)).toEqual([]);
    expect(
      formatRedriveBatch(
        { ...batch, records: 0, outcome: 'lost', lostRecords: 9, reason: 'the shard no longer exists in the stream' },
        false,
      ),
    ).toBe(
      '! lost failures.jsonl entry 1: shardId-000000000000 1..9 (lost 9: the shard no longer exists in the stream); removed',
    );
    expect(
      formatRedriveBatch({ where: 'message m-1', records: 0, outcome: 'kept', reason: 'unreadable: not JSON' }, false),
    ).toBe('! kept message m-1: unreadable: not JSON');
  });

  it('says which part of a range is lost', () => {
    expect(formatLostRange({ shardId: SHARD, from: '1', to: '9', records: 9, reason: 'gone' })).toBe(
      'shardId-000000000000 1..9 (all of it), 9 records: gone',
    );
    expect(formatLostRange({ shardId: SHARD, from: '1', to: '9', until: '5', records: 4, reason: 'trimmed' })).toBe(
      'shardId-000000000000 1 up to (not including) 5, 4 records: trimmed',
    );
  });

  it('summarises a run as a table, then lists the lost ranges and kept entries', () => {
    const text = renderRedriveSummary(
      result({
        lost: [{ shardId: SHARD, from: '1', to: '9', records: 9, reason: 'gone' }],
        kept: [{ where: 'failures.jsonl entry 3', reason: 'unreadable: not JSON' }],
      }),
      false,
    );
    expect(text).toMatch(/│ Records re-sent +│ 10 +│/);
    expect(text).toMatch(/│ Removed +│ 2 +│/);
    expect(text).toContain(
      'Lost (no longer in the stream; these records cannot be redriven):\n  shardId-000000000000 1..9 (all of it), 9 records: gone',
    );
    expect(text).toContain('Kept in the destination:\n  failures.jsonl entry 3: unreadable: not JSON');
  });

  it('a dry run shows its batches and says nothing changed', () => {
    const text = renderRedriveSummary(
      result({
        dryRun: true,
        removed: 0,
        details: [
          { where: 'failures.jsonl entry 1', shardId: SHARD, from: '1', to: '9', records: 9, outcome: 'would-redrive' },
        ],
      }),
      false,
    );
    expect(text).toMatch(/│ failures\.jsonl entry 1 +│ 1 +│ 9 +│/);
    expect(text).toMatch(/│ Would re-send +│ 10 +│/);
    expect(text).not.toContain('Removed');
    expect(text).toContain('Dry run: nothing was changed.');
  });
});
