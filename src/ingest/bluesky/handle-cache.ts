/** DID → handle for Bluesky posts: a bounded LRU fed by identity events, with a bounded, rate-limited profile lookup. */
import type { HandleLookup } from './jetstream-event.js';

/** The public AppView's origin; `STREAMPROC_BSKY_API_URL` points it elsewhere (tests, a self-hosted AppView). */
export const BSKY_API_ORIGIN = 'https://public.api.bsky.app';
export const BSKY_API_URL_ENV = 'STREAMPROC_BSKY_API_URL';

export interface HandleCacheOptions {
  /** Entries kept (least recently used go first). Default 50,000 (a few MB). */
  capacity?: number;
  /** Profile API origin; undefined: no lookups (file replay), only what identity events said. */
  apiUrl?: string;
  /** Lookups started per second at most. Default 5. */
  lookupsPerSecond?: number;
  /** Lookups in flight at once at most. Default 4. */
  maxInFlight?: number;
  /** A lookup's own deadline. Default 3 s. */
  lookupTimeoutMs?: number;
  /** After a failed lookup (network, 5xx, 429), no new lookup for this long. Default 30 s. */
  pauseAfterFailureMs?: number;
  fetch?: typeof fetch;
}

interface Entry {
  handle: string;
  name?: string;
}

/** Entries a saved cache keeps (the most recently used): about 1 MB of JSON. */
export const SAVED_HANDLES = 10_000;

/** `handle.invalid` is what Bluesky reports for a handle that failed verification: no handle at all. */
const INVALID_HANDLE = 'handle.invalid';

export class HandleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry | undefined>>();
  private readonly capacity: number;
  private readonly lookupsPerSecond: number;
  private readonly maxInFlight: number;
  private readonly lookupTimeoutMs: number;
  private readonly pauseAfterFailureMs: number;
  private readonly fetch: typeof fetch;
  private windowStart = 0;
  private windowCount = 0;
  private pausedUntil = 0;
  /** Lookups made, answered with a handle, and skipped (rate, pause, in-flight bound): for the summary and tests. */
  readonly stats = { lookups: 0, found: 0, skipped: 0, failed: 0 };

  constructor(private readonly options: HandleCacheOptions = {}) {
    this.capacity = options.capacity ?? 50_000;
    this.lookupsPerSecond = options.lookupsPerSecond ?? 5;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 3_000;
    this.pauseAfterFailureMs = options.pauseAfterFailureMs ?? 30_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached handle, refreshed as most recently used; never waits. */
  readonly get: HandleLookup = (did) => {
    const entry = this.entries.get(did);
    if (entry) {
      this.entries.delete(did);
      this.entries.set(did, entry);
    }
    return entry;
  };

  /** Records what an identity event (or a lookup) said. */
  set(did: string, handle: string, name?: string): void {
    if (handle === INVALID_HANDLE || handle.length === 0) return;
    const known = this.entries.get(did);
    this.entries.delete(did);
    this.entries.set(did, { handle, name: name ?? (known?.handle === handle ? known.name : undefined) });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** The most recently used entries (at most {@link SAVED_HANDLES}), for {@link load} in a later run. */
  toJSON(): Record<string, [string, string | null]> {
    const entries = [...this.entries].slice(-SAVED_HANDLES);
    return Object.fromEntries(entries.map(([did, entry]) => [did, [entry.handle, entry.name ?? null]]));
  }

  /** Adds what {@link toJSON} saved (ignoring anything malformed); returns how many entries it added. */
  load(saved: unknown): number {
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return 0;
    let added = 0;
    for (const [did, value] of Object.entries(saved)) {
      if (!Array.isArray(value) || typeof value[0] !== 'string' || !did.startsWith('did:')) continue;
      if (this.entries.has(did)) continue;
      this.set(did, value[0], typeof value[1] === 'string' ? value[1] : undefined);
      added += 1;
    }
    return added;
  }

  /**
   * The handle of `did`: cached, or looked up on the profile API within `waitMs` when the rate and
   * in-flight bounds allow (a lookup still running after `waitMs` fills the cache for later posts).
   * Undefined when unknown: the caller stores the DID.
   */
  async resolve(did: string, waitMs: number, signal?: AbortSignal): Promise<Entry | undefined> {
    const cached = this.get(did);
    if (cached || this.options.apiUrl === undefined) return cached;
    const lookup = this.inFlight.get(did) ?? this.startLookup(did);
    if (!lookup) return undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      timer = setTimeout(onAbort, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([lookup, timeout]);
    } finally {
      clearTimeout(timer);
      // One listener per lookup would pile up on the run's signal over hours.
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private startLookup(did: string): Promise<Entry | undefined> | undefined {
    const now = Date.now();
    if (now < this.pausedUntil || this.inFlight.size >= this.maxInFlight) {
      this.stats.skipped += 1;
      return undefined;
    }
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (this.windowCount >= this.lookupsPerSecond) {
      this.stats.skipped += 1;
      return undefined;
    }
    this.windowCount += 1;
    this.stats.lookups += 1;
    const lookup = this.lookup(did).finally(() => this.inFlight.delete(did));
    this.inFlight.set(did, lookup);
    return lookup;
  }

  private async lookup(did: string): Promise<Entry | undefined> {
    const url = new URL('/xrpc/app.bsky.actor.getProfile', this.options.apiUrl);
    url.searchParams.set('actor', did);
    try {
      const response = await this.fetch(url, { signal: AbortSignal.timeout(this.lookupTimeoutMs) });
      if (!response.ok) {
        // 400 (no such actor) is an answer; 429 and 5xx say: leave the API alone for a while.
        if (response.status === 429 || response.status >= 500) this.pausedUntil = Date.now() + this.pauseAfterFailureMs;
        this.stats.failed += 1;
        await response.body?.cancel();
        return undefined;
      }
      const profile = (await response.json()) as { handle?: unknown; displayName?: unknown };
      if (typeof profile.handle !== 'string' || profile.handle === INVALID_HANDLE) return undefined;
      const name = typeof profile.displayName === 'string' ? profile.displayName : undefined;
      this.set(did, profile.handle, name);
      this.stats.found += 1;
      return { handle: profile.handle, name };
    } catch {
      this.stats.failed += 1;
      this.pausedUntil = Date.now() + this.pauseAfterFailureMs;
      return undefined;
    }
  }
}
