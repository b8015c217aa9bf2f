/**
 * How the X stream reconnects, as X documents it for its streaming endpoints
 * (developer.x.com, "Recovery and redundancy" / "Handling disconnections"):
 * - an established connection that drops: reconnect at once;
 * - TCP/IP-level errors: back off linearly, +250 ms per attempt, up to 16 s;
 * - HTTP errors: back off exponentially from 5 s, doubling, up to 320 s;
 * - HTTP 429 (too many connections / rate limited): exponentially from 1 minute;
 * - HTTP 429 with `x-rate-limit-reset`: wait until the reset when that is later than the back-off;
 * - a stall (no data and no keep-alive for {@link KEEP_ALIVE_TIMEOUT_MS}): treat as dropped.
 */

export type FailureKind = 'dropped' | 'network' | 'http' | 'rate-limited';

export interface ReconnectPolicyOptions {
  /** Multiplies every delay (and the keep-alive timeout); tests shrink it, nothing else should. Default 1. */
  scale?: number;
}

export const NETWORK_STEP_MS = 250;
export const NETWORK_MAX_MS = 16_000;
export const HTTP_START_MS = 5_000;
export const HTTP_MAX_MS = 320_000;
export const RATE_LIMIT_START_MS = 60_000;
/** X gives no ceiling for 429s; 16 minutes keeps a very long outage from waiting hours. */
export const RATE_LIMIT_MAX_MS = 960_000;
/** X writes a `\r\n` keep-alive on an open v2 stream every 20 s. */
export const KEEP_ALIVE_INTERVAL_MS = 20_000;
/**
 * How long a stream may stay silent (no data, no keep-alive) before it counts as stalled: three
 * keep-alive periods. A timeout equal to the period (20 s, as before) dropped a healthy quiet
 * connection whenever a heartbeat came a few ms late (nine connections in 200 s), and every
 * reconnect counts against X's connection limits and leaves a gap. X's guidance is to reconnect
 * after a stall, not at the heartbeat period; clients use 21 s (tweepy, no room for a lost
 * heartbeat) to 120 s (twitter-api-v2's default), and X's older streaming docs said 90 s. 60 s
 * survives two lost or late heartbeats and still notices a dead connection within a minute.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 3 * KEEP_ALIVE_INTERVAL_MS;

/**
 * Stateful: counts consecutive failures of the same family and resets on a successful connect.
 * A drop of an established connection gives 0 (immediate), and the failures that follow an
 * immediate retry back off by their own kind.
 */
export class ReconnectPolicy {
  private readonly scale: number;
  private network = 0;
  private http = 0;
  private rateLimited = 0;

  constructor(options: ReconnectPolicyOptions = {}) {
    this.scale = options.scale ?? 1;
  }

  /** The stall timeout ({@link KEEP_ALIVE_TIMEOUT_MS}) on this policy's time scale. */
  get keepAliveTimeoutMs(): number {
    return Math.round(KEEP_ALIVE_TIMEOUT_MS * this.scale);
  }

  /**
   * The wait after an HTTP 429: the rate-limited back-off, or until X's `x-rate-limit-reset`
   * when that is later (see {@link rateLimitWait}).
   */
  nextRateLimited(resetAtSeconds: number | undefined, nowMs = Date.now()): RateLimitWait {
    return rateLimitWait(this.next('rate-limited'), resetAtSeconds, nowMs, this.scale);
  }

  /** A connection was established (HTTP 200 and the stream started): every back-off restarts. */
  connected(): void {
    this.network = 0;
    this.http = 0;
    this.rateLimited = 0;
  }

  /** Milliseconds to wait before the next attempt after a failure of `kind`. */
  next(kind: FailureKind): number {
    let ms: number;
    switch (kind) {
      case 'dropped':
        ms = 0;
        break;
      case 'network':
        this.network += 1;
        ms = Math.min(NETWORK_MAX_MS, NETWORK_STEP_MS * this.network);
        break;
      case 'http':
        this.http += 1;
        ms = Math.min(HTTP_MAX_MS, HTTP_START_MS * 2 ** (this.http - 1));
        break;
      case 'rate-limited':
        this.rateLimited += 1;
        ms = Math.min(RATE_LIMIT_MAX_MS, RATE_LIMIT_START_MS * 2 ** (this.rateLimited - 1));
        break;
    }
    return Math.round(ms * this.scale);
  }
}

/** Sorts a connection failure into the policy's families (`undefined`: do not retry). */
export function classifyConnectError(error: unknown): FailureKind | undefined {
  const e = error as { code?: unknown; type?: string; name?: string };
  if (e?.type === 'response' && typeof e.code === 'number') {
    if (e.code === 429 || e.code === 420) return 'rate-limited';
    // 400/401/403/404 will not get better by waiting: bad token, plan without streaming, bad query.
    if (e.code >= 400 && e.code < 500 && e.code !== 408) return undefined;
    return 'http';
  }
  return 'network';
}

/** How long to wait after a 429, and what decided it. */
export interface RateLimitWait {
  delayMs: number;
  /** `reset`: X's `x-rate-limit-reset` was later than the back-off; `policy`: the back-off. */
  by: 'reset' | 'policy';
}

/** A reset further away than this is not believed (a bad header or clock); the back-off applies. */
export const RATE_LIMIT_RESET_MAX_MS = 24 * 60 * 60 * 1000;

/**
 * Pure: after a 429, wait the policy's back-off (`policyMs`, already scaled), or until X's
 * `x-rate-limit-reset` (epoch seconds) when that is later. Connecting before the reset only
 * earns another 429, which also counts against the app. `scale` shrinks the time to the reset
 * as it shrinks the back-off (tests); a missing, past or absurd reset leaves the back-off.
 */
export function rateLimitWait(
  policyMs: number,
  resetAtSeconds: number | undefined,
  nowMs: number,
  scale = 1,
): RateLimitWait {
  if (resetAtSeconds === undefined || !Number.isFinite(resetAtSeconds)) return { delayMs: policyMs, by: 'policy' };
  const untilReset = resetAtSeconds * 1000 - nowMs;
  if (untilReset > RATE_LIMIT_RESET_MAX_MS) return { delayMs: policyMs, by: 'policy' };
  const resetMs = Math.round(untilReset * scale);
  return resetMs > policyMs ? { delayMs: resetMs, by: 'reset' } : { delayMs: policyMs, by: 'policy' };
}

/** X's `x-rate-limit-reset` (epoch seconds) from a twitter-api-v2 response error, if it has one. */
export function rateLimitResetOf(error: unknown): number | undefined {
  const e = error as { rateLimit?: { reset?: unknown }; headers?: Record<string, unknown> } | undefined;
  const header = e?.headers?.['x-rate-limit-reset'];
  const value = e?.rateLimit?.reset ?? (typeof header === 'string' ? Number(header) : header);
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
