/** The live X stream against X's timing, on a scaled clock: keep-alives, stalls and 429 resets. */
import { afterEach, describe, expect, it } from 'vitest';
import { KEEP_ALIVE_INTERVAL_MS } from '../../src/ingest/reconnect-policy.js';
import type { SourceItem, SourceState } from '../../src/ingest/sources/source.js';
import { twitterSource } from '../../src/ingest/sources/twitter.js';
import { type FakeXServer, readSourceUntil, startFakeXServer, v2Message } from '../helpers/fake-x-server.js';

let server: FakeXServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** 20 s of X's time is 200 ms here: ten minutes take six seconds. */
const SCALE = 0.01;
const TEN_MINUTES_MS = 10 * 60_000;
/** Keep-alives that span ten minutes of X's time on a quiet stream. */
const HEARTBEATS = TEN_MINUTES_MS / KEEP_ALIVE_INTERVAL_MS;

const source = (url: string, states: SourceState[], extra: Partial<Parameters<typeof twitterSource>[0]> = {}) =>
  twitterSource({
    stack: 'test',
    credentials: { bearerToken: 'test-bearer-token' },
    keywords: ['aws'],
    apiUrl: url,
    timeScale: SCALE,
    onState: (s) => states.push(s),
    ...extra,
  });

const eventIds = (items: SourceItem[]) => items.map((i) => (i.kind === 'event' ? i.event.id : i.kind));

describe('X stream keep-alives on a scaled clock', () => {
  it('holds one connection for ten quiet minutes of keep-alives that come up to 5 % late', async () => {
    // Prepare: a quiet stream, nothing but X's keep-alives for ten minutes, then one post.
    server = await startFakeXServer({
      timeScale: SCALE,
      keepAliveJitter: 0.05,
      connections: [{ steps: [{ quietKeepAlives: HEARTBEATS }, { message: v2Message({ id: '200' }) }] }],
    });
    const states: SourceState[] = [];
    const started = performance.now();
    // Act
    const items = await readSourceUntil(source(server.url, states), (got) => got.length >= 1, 30_000);
    // Assess
    const xTimeMs = (performance.now() - started) / SCALE;
    expect(eventIds(items)).toEqual(['200']);
    expect(xTimeMs).toBeGreaterThanOrEqual(TEN_MINUTES_MS);
    expect(server.keepAlivesSent).toBeGreaterThanOrEqual(HEARTBEATS);
    expect(server.streamConnections).toBe(1);
    expect(states.filter((s) => s.state === 'reconnecting')).toEqual([]);
  }, 30_000);

  it('with a stall timeout equal to the 20 s period (as before), the same quiet stream keeps reconnecting', async () => {
    server = await startFakeXServer({ timeScale: SCALE, keepAliveJitter: 0.05 });
    const states: SourceState[] = [];
    const controller = new AbortController();
    // Stops once three connections dropped (each within about one period), not after a set time.
    const live = source(server.url, states, {
      keepAliveTimeoutMs: KEEP_ALIVE_INTERVAL_MS * SCALE,
      onState: (s) => {
        states.push(s);
        if (states.filter((t) => t.state === 'reconnecting').length >= 3) controller.abort();
      },
    });
    const items: SourceItem[] = [];
    for await (const item of live.items(controller.signal)) items.push(item);
    expect(items).toEqual([]);
    expect(server.streamConnections).toBeGreaterThanOrEqual(3);
    expect(states.find((s) => s.state === 'reconnecting')?.detail).toBe('no data or keep-alive for 20 s');
  }, 30_000);

  it('reconnects after a real stall (no keep-alives) within the stall timeout', async () => {
    server = await startFakeXServer({
      timeScale: SCALE,
      connections: [
        { steps: [{ message: v2Message({ id: '210' }) }, { stall: true }] },
        { steps: [{ message: v2Message({ id: '211' }) }] },
      ],
    });
    const states: SourceState[] = [];
    const items = await readSourceUntil(source(server.url, states), (got) => got.length >= 2);
    expect(eventIds(items)).toEqual(['210', '211']);
    expect(server.streamConnections).toBe(2);
    expect(states.filter((s) => s.state === 'reconnecting')).toEqual([
      { state: 'reconnecting', delayMs: 0, detail: 'no data or keep-alive for 60 s' },
    ]);
  });

  it("after a 429 waits until X's x-rate-limit-reset when it is later than the back-off", async () => {
    // Prepare: X refuses with a reset 120 s ahead; the policy's first 429 back-off is 60 s.
    server = await startFakeXServer({
      timeScale: SCALE,
      connections: [{ status: 429, resetInSeconds: 120 }, { steps: [{ message: v2Message({ id: '220' }) }] }],
    });
    const states: SourceState[] = [];
    const started = performance.now();
    // Act
    const items = await readSourceUntil(source(server.url, states), (got) => got.length >= 1);
    // Assess: reset is whole epoch seconds, so 119–121 s ahead; 60 s was the back-off.
    const waitedXMs = (performance.now() - started) / SCALE;
    expect(eventIds(items)).toEqual(['220']);
    const reconnect = states.find((s) => s.state === 'reconnecting');
    expect(reconnect?.detail).toBe("HTTP 429 too many connections, waiting for X's rate-limit reset");
    expect(reconnect?.delayMs).toBeGreaterThanOrEqual(119_000 * SCALE);
    expect(reconnect?.delayMs).toBeLessThanOrEqual(121_000 * SCALE);
    expect(waitedXMs).toBeGreaterThanOrEqual(119_000);
    expect(server.streamConnections).toBe(2);
  });
});
