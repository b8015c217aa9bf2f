/** The engine's cached item count for status: answered from the cache, refreshed when stale, never waited on for long. */
import { describe, expect, it } from 'vitest';
import { createItemCounter } from '../../../src/local/engine/item-count.js';

/** A count the test finishes by hand. */
function manualCount() {
  const pending: ((n: number) => void)[] = [];
  let calls = 0;
  return {
    count: () => {
      calls++;
      return new Promise<number>((resolve) => pending.push(resolve));
    },
    finish: (n: number) => pending.shift()?.(n),
    calls: () => calls,
  };
}

describe('item counter', () => {
  it('answers without a count while the first one runs, then from the cache until it is stale', async () => {
    let now = 1_000_000;
    const counter = manualCount();
    const items = createItemCounter({ count: counter.count, maxAgeMs: 10_000, now: () => now });
    expect(await items.status(0)).toEqual({ counting: true });
    counter.finish(42);
    await Promise.resolve();
    await Promise.resolve();
    expect(await items.status(0)).toMatchObject({ count: 42, counting: false });
    expect(counter.calls()).toBe(1);
    now += 10_001;
    const stale = await items.status(0);
    expect(stale).toMatchObject({ count: 42, counting: true });
    expect(counter.calls()).toBe(2);
    counter.finish(43);
    expect(await items.status(50)).toMatchObject({ count: 43 });
  });

  it('waits for a count up to the time it is given', async () => {
    const items = createItemCounter({ count: async () => 7 });
    expect(await items.status(1_000)).toMatchObject({ count: 7, counting: false });
  });

  it('says why a count failed and keeps the last good one', async () => {
    let fail = false;
    let now = 0;
    const items = createItemCounter({
      count: async () => {
        if (fail) throw new Error('table gone');
        return 5;
      },
      now: () => now,
    });
    expect(await items.status(100)).toMatchObject({ count: 5 });
    fail = true;
    now += 60_000;
    expect(await items.status(100)).toMatchObject({ count: 5, error: 'table gone' });
  });
});
