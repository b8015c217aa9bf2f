import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventItem } from '../../lambda/contract/table-layout.js';
import { followTable } from '../../src/browse/browse.js';
import { TableFollower } from '../../src/browse/follow.js';
import { readNewest } from '../../src/browse/newest.js';
import { createEventTable, type DynaliteHandle, putItems, startDynalite } from '../helpers/dynalite.js';
import { rejectedItem, tweetItem } from '../helpers/records.js';

const T0 = Date.parse('2026-11-25T19:59:50.000Z');

let fixture: DynaliteHandle;

beforeAll(async () => {
  fixture = await startDynalite();
});

afterAll(async () => {
  await fixture?.close();
});

/** A clock the test moves by hand. */
function manualClock(start: number) {
  let now = start;
  return { now: () => now, set: (ms: number) => (now = ms) };
}

const tsks = (items: EventItem[]) => items.map((item) => item.tsk);

describe('TableFollower', () => {
  it('queries a long look-back a few partitions at a time, and stops between queries when aborted', async () => {
    // Prepare: 10 days back = 240 hour buckets × 4 write shards, on an empty table
    const table = await createEventTable(fixture);
    let inFlight = 0;
    let mostInFlight = 0;
    let sent = 0;
    const controller = new AbortController();
    const counting = {
      send: async (command: unknown) => {
        sent += 1;
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        if (sent === 20) controller.abort();
        try {
          return await fixture.client.send(command as never);
        } finally {
          inFlight -= 1;
        }
      },
    } as unknown as DynamoDBClient;
    const follower = new TableFollower({
      client: counting,
      tableName: table,
      lookbackMs: 10 * 86_400_000,
      concurrency: 4,
    });
    // Act
    const items = await follower.poll(controller.signal);
    // Assess
    expect(items).toEqual([]);
    expect(mostInFlight).toBeLessThanOrEqual(4);
    expect(sent).toBeLessThan(30);
  });

  it('shows items as they become visible, across an hour boundary and clock skew, without duplicates', async () => {
    // Prepare: an initial tail of 3, plus older items in the window the tail did not show.
    const table = await createEventTable(fixture);
    const clock = manualClock(T0);
    const before = Array.from({ length: 8 }, (_, i) => tweetItem({ arrivedMs: T0 - 8000 + i * 1000 }));
    await putItems(fixture, table, before);
    const tail = await readNewest({ client: fixture.client, tableName: table, limit: 3, now: clock.now });
    fixture.client.sent.length = 0;
    const follower = new TableFollower({ client: fixture.client, tableName: table, now: clock.now, shown: tail.items });

    // Act + Assess: the first poll shows nothing already older than the tail.
    expect(await follower.poll()).toEqual([]);

    // Items in several shards, both sides of 20:00.
    clock.set(T0 + 12_000);
    const around = [
      tweetItem({ arrivedMs: T0 + 9_000 }),
      tweetItem({ arrivedMs: T0 + 9_900 }),
      tweetItem({ arrivedMs: T0 + 10_100 }),
      tweetItem({ arrivedMs: T0 + 11_000 }),
    ];
    await putItems(fixture, table, around);
    expect(tsks(await follower.poll())).toEqual(tsks(around));
    expect(await follower.poll()).toEqual([]);

    // A late item: arrived in the previous hour, 5 s ago, visible only now.
    clock.set(T0 + 15_000);
    const late = tweetItem({ arrivedMs: T0 + 9_500 });
    // A writer whose clock runs 4 s ahead of the reader's.
    const ahead = tweetItem({ arrivedMs: T0 + 19_000 });
    await putItems(fixture, table, [late, ahead]);
    expect(tsks(await follower.poll())).toEqual(tsks([late, ahead]));

    // A redelivered tweet (same key, new arrival) is not shown twice.
    clock.set(T0 + 20_000);
    const again = { ...tweetItem({ arrivedMs: T0 + 19_500, id: around[1]?.tweetId, username: around[1]?.username }) };
    await putItems(fixture, table, [again]);
    const fresh = tweetItem({ arrivedMs: T0 + 19_800 });
    await putItems(fixture, table, [fresh]);
    expect(tsks(await follower.poll())).toEqual(tsks([fresh]));
    expect(new Set(fixture.client.sent)).toEqual(new Set(['QueryCommand']));
  });

  it('sees every item exactly once when items arrive late, out of order, in random shards', async () => {
    // Prepare: 150 items, each written 0-8 s after its arrival time, over 75 s across 20:00.
    const table = await createEventTable(fixture);
    const clock = manualClock(T0 - 30_000);
    const follower = new TableFollower({
      client: fixture.client,
      tableName: table,
      now: clock.now,
      lookbackMs: 10_000,
    });
    await follower.poll();
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const planned = Array.from({ length: 150 }, (_, i) => {
      const arrivedMs = T0 - 30_000 + i * 500;
      return { item: tweetItem({ arrivedMs }), visibleAt: arrivedMs + Math.floor(random() * 8000) };
    });
    const shown: EventItem[] = [];
    // Act: step the clock by 1 s, write what became visible, poll.
    for (let t = T0 - 30_000; t <= T0 + 60_000; t += 1000) {
      clock.set(t);
      const due = planned.filter((p) => p.visibleAt <= t && p.visibleAt > t - 1000).map((p) => p.item);
      await putItems(fixture, table, due);
      shown.push(...(await follower.poll()));
    }
    // Assess
    expect(shown).toHaveLength(150);
    expect(new Set(shown.map((item) => item.sk)).size).toBe(150);
    expect(follower.remembered).toBeLessThan(60);
  });

  it('forgets what fell out of the window, so the seen-set stays bounded', async () => {
    const table = await createEventTable(fixture);
    const clock = manualClock(T0);
    const follower = new TableFollower({ client: fixture.client, tableName: table, now: clock.now });
    await putItems(
      fixture,
      table,
      Array.from({ length: 20 }, (_, i) => tweetItem({ arrivedMs: T0 + i })),
    );
    clock.set(T0 + 1000);
    expect(await follower.poll()).toHaveLength(20);
    expect(follower.remembered).toBe(20);
    // Idle for two hours: the window is capped at an hour plus the lookback behind the clock.
    clock.set(T0 + 2 * 3_600_000);
    expect(await follower.poll()).toEqual([]);
    expect(follower.remembered).toBe(0);
  });

  it('applies the filters and follows rejected records', async () => {
    const table = await createEventTable(fixture);
    const clock = manualClock(T0);
    const grep = new TableFollower({
      client: fixture.client,
      tableName: table,
      now: clock.now,
      filter: { grep: 'LAMBDA' },
    });
    const rejected = new TableFollower({ client: fixture.client, tableName: table, now: clock.now, kind: 'rejected' });
    const user = new TableFollower({
      client: fixture.client,
      tableName: table,
      now: clock.now,
      filter: { user: '@JEFF' },
    });
    const byJeff = tweetItem({ arrivedMs: T0 + 150, username: 'jeff' });
    const match = tweetItem({ arrivedMs: T0 + 100, text: 'Deploying a lambda 🚀' });
    const bad = rejectedItem({ arrivedMs: T0 + 200 });
    await putItems(fixture, table, [tweetItem({ arrivedMs: T0 + 50 }), match, byJeff, bad]);
    clock.set(T0 + 1000);
    expect(tsks(await user.poll())).toEqual([byJeff.tsk]);
    expect(tsks(await grep.poll())).toEqual([match.tsk]);
    expect(tsks(await rejected.poll())).toEqual([bad.tsk]);
  });
});

describe('followTable', () => {
  it('yields items written while it runs, in real time, and stops on abort', async () => {
    // Prepare
    const table = await createEventTable(fixture);
    const controller = new AbortController();
    const seen: EventItem[] = [];
    const written = [tweetItem({ arrivedMs: Date.now() }), tweetItem({ arrivedMs: Date.now() + 1 })];
    // Act
    const loop = (async () => {
      for await (const batch of followTable({
        client: fixture.client,
        tableName: table,
        shown: [],
        intervalMs: 100,
        signal: controller.signal,
      })) {
        seen.push(...batch);
        if (seen.length >= 3) controller.abort();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await putItems(fixture, table, written);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const third = tweetItem({ arrivedMs: Date.now() });
    await putItems(fixture, table, [third]);
    const stopped = await Promise.race([loop.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    // Assess
    expect(stopped).toBe(true);
    expect(tsks(seen)).toEqual(tsks([...written, third]));
  });
});
