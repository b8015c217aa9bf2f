// A shard's recent invocations, bounded, so that `status` can compute rates and duration percentiles.

/** One invocation as `status` needs it: when it ended, how long it took, what it carried, how it went. */
export interface InvocationSample {
  /** Epoch ms when the invocation ended. */
  at: number;
  durationMs: number;
  /** Records in the invoked batch. */
  records: number;
  result: 'ok' | 'partial' | 'error';
}

/** Samples kept per shard (GET /status carries them all, so the bound keeps it small); older ones fall off. */
export const INVOCATION_LOG_LIMIT = 1_000;

/** A ring of the newest `limit` invocations of one shard. */
export class InvocationLog {
  private readonly samples: InvocationSample[] = [];

  constructor(private readonly limit = INVOCATION_LOG_LIMIT) {}

  add(sample: InvocationSample): void {
    this.samples.push(sample);
    if (this.samples.length > this.limit) this.samples.splice(0, this.samples.length - this.limit);
  }

  /** The samples that ended at or after `sinceMs`, oldest first (a copy). */
  since(sinceMs = 0): InvocationSample[] {
    return this.samples.filter((s) => s.at >= sinceMs);
  }

  last(): InvocationSample | undefined {
    return this.samples[this.samples.length - 1];
  }
}
