/** The handle cache: LRU bound, lookups bounded in rate and in flight, a pause after failures, never a long wait. */
import { describe, expect, it } from 'vitest';
import { HandleCache } from '../../../src/ingest/bluesky/handle-cache.js';
import { waitUntil } from '../../helpers/wait.js';

/** A profile API double: answers each actor with `<n>.example.com`, or with the given status. */
function profiles(status = 200, delayMs = 0) {
  const asked: string[] = [];
  const fetch = (async (url: URL) => {
    const actor = url.searchParams.get('actor') ?? '';
    asked.push(actor);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const body = status === 200 ? JSON.stringify({ handle: `${actor.slice(8)}.example.com` }) : '{}';
    return new Response(body, { status });
  }) as unknown as typeof globalThis.fetch;
  return { asked, fetch };
}

describe('HandleCache', () => {
  it('keeps at most `capacity` entries, evicting the least recently used; ignores handle.invalid', () => {
    const cache = new HandleCache({ capacity: 2 });
    cache.set('did:plc:a', 'a.example.com');
    cache.set('did:plc:b', 'b.example.com');
    cache.get('did:plc:a');
    cache.set('did:plc:c', 'c.example.com');
    expect([cache.get('did:plc:a')?.handle, cache.get('did:plc:b'), cache.get('did:plc:c')?.handle]).toEqual([
      'a.example.com',
      undefined,
      'c.example.com',
    ]);
    cache.set('did:plc:d', 'handle.invalid');
    expect(cache.get('did:plc:d')).toBeUndefined();
  });

  it('starts at most `lookupsPerSecond` lookups a second, then answers unknown without asking', async () => {
    const api = profiles();
    const cache = new HandleCache({ apiUrl: 'http://api.test', lookupsPerSecond: 2, fetch: api.fetch });
    const found = [];
    for (const n of [1, 2, 3]) found.push((await cache.resolve(`did:plc:${n}`, 1_000))?.handle);
    expect(found).toEqual(['1.example.com', '2.example.com', undefined]);
    expect(api.asked).toEqual(['did:plc:1', 'did:plc:2']);
    expect(cache.stats).toMatchObject({ lookups: 2, found: 2, skipped: 1 });
  });

  it('waits at most `waitMs` for a slow lookup, whose answer still fills the cache; bounds lookups in flight', async () => {
    const api = profiles(200, 300);
    const cache = new HandleCache({
      apiUrl: 'http://api.test',
      maxInFlight: 1,
      lookupsPerSecond: 100,
      fetch: api.fetch,
    });
    const started = Date.now();
    expect(await cache.resolve('did:plc:slow', 50)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(250);
    // One lookup in flight already: the next is not started.
    expect(await cache.resolve('did:plc:other', 50)).toBeUndefined();
    expect(api.asked).toEqual(['did:plc:slow']);
    await waitUntil(() => cache.get('did:plc:slow') !== undefined, 5_000, 'the slow lookup to fill the cache');
    expect(cache.get('did:plc:slow')?.handle).toBe('slow.example.com');
  });

  it('leaves the API alone for a while after a 5xx or 429', async () => {
    const api = profiles(503);
    const cache = new HandleCache({ apiUrl: 'http://api.test', pauseAfterFailureMs: 60_000, fetch: api.fetch });
    expect(await cache.resolve('did:plc:1', 1_000)).toBeUndefined();
    expect(await cache.resolve('did:plc:2', 1_000)).toBeUndefined();
    expect(api.asked).toEqual(['did:plc:1']);
    expect(cache.stats).toMatchObject({ failed: 1, skipped: 1 });
  });

  it('never looks up without an API (file replay)', async () => {
    const cache = new HandleCache();
    expect(await cache.resolve('did:plc:1', 1_000)).toBeUndefined();
    expect(cache.stats.lookups).toBe(0);
  });
});
