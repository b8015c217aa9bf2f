/**
 * How the X stream reconnects, as X documents it for its streaming endpoints
 * (developer.x.com, "Recovery and redundancy" / "Handling disconnections"):
 * - an established connection that drops: reconnect at once;
 * - TCP/IP-level errors: back off linearly, +250 ms per attempt, up to 16 s;
 * - HTTP errors: back off exponentially from 5 s, doubling, up to 320 s;
 * - HTTP 429 (too many connections / rate limited): exponentially from 1 minute;
 * - no data and no keep-alive for ~20 s (X sends `\r\n` every few seconds): treat as dropped.
 */

export type FailureKind = 'dropped' | 'network' | 'http' | 'rate-limited';

export interface ReconnectPolicyOptions {
  /** Multiplies every delay; tests shrink it, nothing else should. Default 1. */
  scale?: number;
}

export const NETWORK_STEP_MS = 250;
export const NETWORK_MAX_MS = 16_000;
export const HTTP_START_MS = 5_000;
export const HTTP_MAX_MS = 320_000;
export const RATE_LIMIT_START_MS = 60_000;
/** X gives no ceiling for 429s; 16 minutes keeps a very long outage from waiting hours. */
export const RATE_LIMIT_MAX_MS = 960_000;
export const KEEP_ALIVE_TIMEOUT_MS = 20_000;

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
