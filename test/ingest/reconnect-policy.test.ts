import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  classifyConnectError,
  KEEP_ALIVE_INTERVAL_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  RATE_LIMIT_START_MS,
  ReconnectPolicy,
  rateLimitResetOf,
  rateLimitWait,
} from '../../src/ingest/reconnect-policy.js';
import { sleep } from '../../src/ingest/sources/source.js';

describe('ReconnectPolicy (X documented back-off)', () => {
  it('reconnects at once after a drop', () => {
    expect(new ReconnectPolicy().next('dropped')).toBe(0);
  });

  it('backs off linearly by 250 ms for network errors, up to 16 s', () => {
    const policy = new ReconnectPolicy();
    const delays = Array.from({ length: 70 }, () => policy.next('network'));
    expect(delays.slice(0, 4)).toEqual([250, 500, 750, 1_000]);
    expect(delays[63]).toBe(16_000);
    expect(delays[69]).toBe(16_000);
  });

  it('backs off exponentially from 5 s for HTTP errors, up to 320 s', () => {
    const policy = new ReconnectPolicy();
    expect(Array.from({ length: 9 }, () => policy.next('http'))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 320_000, 320_000,
    ]);
  });

  it('starts at one minute for 429 and doubles', () => {
    const policy = new ReconnectPolicy();
    expect(Array.from({ length: 3 }, () => policy.next('rate-limited'))).toEqual([60_000, 120_000, 240_000]);
  });

  it('starts over after a successful connection', () => {
    const policy = new ReconnectPolicy();
    policy.next('http');
    policy.next('http');
    policy.connected();
    expect(policy.next('http')).toBe(5_000);
  });

  it('classifies failures: 429 rate-limited, 5xx http, auth errors final, socket errors network', () => {
    expect(classifyConnectError({ type: 'response', code: 429 })).toBe('rate-limited');
    expect(classifyConnectError({ type: 'response', code: 503 })).toBe('http');
    expect(classifyConnectError({ type: 'response', code: 401 })).toBeUndefined();
    expect(classifyConnectError({ type: 'request', message: 'ECONNRESET' })).toBe('network');
  });

  it("gives a quiet stream a margin over X's 20 s keep-alive before calling it stalled", () => {
    expect(KEEP_ALIVE_INTERVAL_MS).toBe(20_000);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBe(60_000);
    expect(new ReconnectPolicy({ scale: 0.01 }).keepAliveTimeoutMs).toBe(600);
  });

  describe('after a 429, rateLimitWait', () => {
    const now = 1_700_000_000_000;
    it('waits until x-rate-limit-reset when that is later than the back-off', () => {
      expect(rateLimitWait(60_000, now / 1000 + 300, now)).toEqual({ delayMs: 300_000, by: 'reset' });
    });
    it('keeps the back-off when the reset is sooner, past, missing or not a number', () => {
      expect(rateLimitWait(120_000, now / 1000 + 30, now)).toEqual({ delayMs: 120_000, by: 'policy' });
      expect(rateLimitWait(60_000, now / 1000 - 30, now)).toEqual({ delayMs: 60_000, by: 'policy' });
      expect(rateLimitWait(60_000, undefined, now)).toEqual({ delayMs: 60_000, by: 'policy' });
      expect(rateLimitWait(60_000, Number.NaN, now)).toEqual({ delayMs: 60_000, by: 'policy' });
    });
    it('does not believe a reset more than a day away', () => {
      expect(rateLimitWait(60_000, now / 1000 + 2 * 86_400, now)).toEqual({ delayMs: 60_000, by: 'policy' });
    });
    it('scales the time to the reset as it scales the back-off', () => {
      expect(rateLimitWait(120, now / 1000 + 300, now, 0.002)).toEqual({ delayMs: 600, by: 'reset' });
    });
    it('is what the policy uses for its next 429 wait', () => {
      const policy = new ReconnectPolicy();
      expect(policy.nextRateLimited(now / 1000 + 600, now)).toEqual({ delayMs: 600_000, by: 'reset' });
      expect(policy.nextRateLimited(undefined, now)).toEqual({ delayMs: 2 * RATE_LIMIT_START_MS, by: 'policy' });
    });
  });

  it("reads the reset from twitter-api-v2's rateLimit, else from the raw header", () => {
    expect(rateLimitResetOf({ rateLimit: { limit: 50, remaining: 0, reset: 1_700_000_300 } })).toBe(1_700_000_300);
    expect(rateLimitResetOf({ headers: { 'x-rate-limit-reset': '1700000300' } })).toBe(1_700_000_300);
    expect(rateLimitResetOf({ rateLimit: { reset: Number.NaN }, headers: {} })).toBeUndefined();
    expect(rateLimitResetOf(new Error('socket hang up'))).toBeUndefined();
  });

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a reconnect after an HTTP error really waits the policy delay', async () => {
      // Prepare
      const policy = new ReconnectPolicy();
      let reconnected = false;
      const waiting = sleep(policy.next('http')).then(() => {
        reconnected = true;
      });
      // Act
      await vi.advanceTimersByTimeAsync(4_999);
      const early = reconnected;
      await vi.advanceTimersByTimeAsync(1);
      await waiting;
      // Assess
      expect(early).toBe(false);
      expect(reconnected).toBe(true);
    });

    it('an abort ends the wait at once', async () => {
      const controller = new AbortController();
      let done = false;
      const waiting = sleep(60_000, controller.signal).then(() => {
        done = true;
      });
      controller.abort();
      await waiting;
      expect(done).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
