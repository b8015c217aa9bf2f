/**
 * The table's item count for `status`, kept like DynamoDB's own ItemCount: approximate and
 * refreshed in the background. dynalite's DescribeTable always says 0 and a COUNT Scan of 100,000
 * items takes seconds, so a status request never waits for one longer than it is given.
 */

export interface ItemCountStatus {
  /** Items at the last count; absent before the first count finished. */
  count?: number;
  /** When that count finished (ISO). */
  countedAt?: string;
  /** A count is running now. */
  counting: boolean;
  /** Why the last count failed, if it did. */
  error?: string;
}

export interface ItemCounterOptions {
  count: () => Promise<number>;
  /**
   * A count older than this is refreshed on the next request. Default 10 s, or ten times what the
   * last count took when that is longer, so that counting costs the engine at most a tenth of its time.
   */
  maxAgeMs?: number;
  now?: () => number;
}

export interface ItemCounter {
  /** The last count, starting a new one when it is stale; waits at most `waitMs` for a running one. */
  status(waitMs: number): Promise<ItemCountStatus>;
}

export function createItemCounter(options: ItemCounterOptions): ItemCounter {
  const minAgeMs = options.maxAgeMs ?? 10_000;
  const now = options.now ?? Date.now;
  let last: { count: number; at: number; tookMs: number } | undefined;
  let error: string | undefined;
  let running: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    const started = now();
    running ??= options
      .count()
      .then(
        (count) => {
          last = { count, at: now(), tookMs: now() - started };
          error = undefined;
        },
        (e: unknown) => {
          error = e instanceof Error ? e.message : String(e);
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    async status(waitMs) {
      if (!last || now() - last.at > Math.max(minAgeMs, 10 * last.tookMs)) {
        const done = refresh();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
      }
      return {
        ...(last ? { count: last.count, countedAt: new Date(last.at).toISOString() } : {}),
        counting: running !== undefined,
        ...(error ? { error } : {}),
      };
    },
  };
}
