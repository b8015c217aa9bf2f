// A shard's recent reads and invocations, bounded, so that `status` can compute rates and duration percentiles.

/** One invocation as `status` needs it: when it ended, how long it took, what it carried, how it went. */
export interface InvocationSample {
  /** Epoch ms when the invocation ended. */
  at: number;
  durationMs: number;
  /** Records in the invoked batch. */
  records: number;
  result: 'ok' | 'partial' | 'error';
}

/** One batch read from the shard (a retried or bisected batch is read once). */
export interface ReadSample {
  /** Epoch ms when the batch was read. */
  at: number;
  records: number;
}

/** Samples kept per shard and kind (GET /status carries them all, so the bound keeps it small). */
export const RECENT_SAMPLE_LIMIT = 1_000;

/** A ring of the newest `limit` samples of one shard; older ones fall off. */
export class RecentLog<T extends { at: number }> {
  private readonly samples: T[] = [];

  constructor(private readonly limit = RECENT_SAMPLE_LIMIT) {}

  add(sample: T): void {
    this.samples.push(sample);
    if (this.samples.length > this.limit) this.samples.splice(0, this.samples.length - this.limit);
  }

  /** The samples at or after `sinceMs`, oldest first (a copy). */
  since(sinceMs = 0): T[] {
    return this.samples.filter((s) => s.at >= sinceMs);
  }
}

/** What the log keeps of a settled invocation: a reported partial failure is not an error. */
export function invocationSample(
  outcome: { status: 'success'; result: unknown; durationMs: number } | { status: 'error'; durationMs: number },
  records: number,
  at: number,
): InvocationSample {
  if (outcome.status === 'error') return { at, durationMs: outcome.durationMs, records, result: 'error' };
  const failures = (outcome.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures;
  const partial = Array.isArray(failures) && failures.length > 0;
  return { at, durationMs: outcome.durationMs, records, result: partial ? 'partial' : 'ok' };
}
