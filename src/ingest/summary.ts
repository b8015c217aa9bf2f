import type { BillingFigures } from './post-billing.js';
import type { BadInput, SourceName } from './sources/source.js';

/** What `ingest` did, as `--json` prints it and the summary table shows it. */
export interface IngestSummary {
  source: SourceName;
  stream: string;
  /** Records Kinesis acknowledged. */
  sent: number;
  /** Records that are not in the stream: rejected (too large) plus given up. */
  failed: number;
  /** Events too large for the record contract; never sent. */
  rejected: number;
  /** Input lines (or stream messages) that were not usable tweets; never sent. */
  badLines: number;
  /** The first few bad lines in full: line number, reason, start of the line. */
  badLineSamples: BadInput[];
  /**
   * Inputs that are neither posts nor corruption, by kind: X stream notices (`delete`, `limit`,
   * `scrub_geo`, `status_withheld`, …), X error objects by their title (`operational-disconnect`),
   * partial errors of a response page. Never sent, never counted as bad lines.
   */
  notices: Record<string, number>;
  /** Record attempts that failed and were retried. */
  retried: number;
  /** Records given up after the retry deadline (or a fatal error), written to `givenUpFile`. */
  givenUp: number;
  givenUpFile: string | null;
  /** Records neither sent nor saved (the given-up file could not be written: a full disk); never silent. */
  unsaved: number;
  /** Why they could not be saved, when some could not. */
  unsavedReason: string | null;
  /**
   * For a file source with unsaved records: the input line to run again from (`--from-line N`);
   * every line before it was sent, saved or counted. Records after it that were sent are sent
   * again, which the processor's idempotent writes absorb.
   */
  resumeFromLine: number | null;
  durationMs: number;
  recordsPerSecond: number;
  bytesPerSecond: number;
  /** True when Ctrl-C / SIGTERM stopped the run before the source ended. */
  interrupted: boolean;
  /** `--max-posts`: the run stops cleanly once this many posts were sent (null: no limit). */
  maxPosts: number | null;
  /** A billed source's posts read and estimated spend (null for sources that cost nothing). */
  billing: BillingFigures | null;
  /** Who signed the PutRecords calls: the stack's producer identity (and its ARN), or the operator's own credentials. */
  identity: IngestIdentity;
}

export interface IngestIdentity {
  as: 'producer' | 'operator';
  /** The producer user's ARN (null for the operator, or when STS could not say). */
  arn: string | null;
}

/** Bad lines shown in full; the rest are only counted. */
export const BAD_LINE_SAMPLES = 5;

export function rate(count: number, durationMs: number): number {
  return durationMs > 0 ? Math.round((count * 1000) / durationMs) : 0;
}

/**
 * How a finished run ends: records that are not in the stream (given up after the retry deadline,
 * or too large to send) make it a failure even though each was accounted for; an interrupt is 130.
 */
export function ingestVerdict(summary: IngestSummary): { exit: 0 | 1 | 130; problem?: string } {
  if (summary.unsaved > 0) {
    return {
      exit: 1,
      problem: `${summary.unsaved} record(s) were neither sent nor saved: ${summary.unsavedReason ?? 'the given-up file could not be written'}${summary.resumeFromLine !== null ? `; once there is room, resume with --from-line ${summary.resumeFromLine}` : ''}`,
    };
  }
  if (summary.interrupted) return { exit: 130 };
  if (summary.failed === 0) return { exit: 0 };
  const parts: string[] = [];
  if (summary.givenUp > 0)
    parts.push(`${summary.givenUp} given up and saved to ${summary.givenUpFile} (replay with --file)`);
  if (summary.rejected > 0) parts.push(`${summary.rejected} too large for the record contract`);
  return { exit: 1, problem: `${summary.failed} record(s) did not reach the stream: ${parts.join('; ')}` };
}
