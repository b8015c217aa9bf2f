/** What redrive reads failed batches from and removes them from: the local file or the SQS queue. */

/** One failed-batch document as the destination holds it. */
export interface DestinationEntry {
  /** Where it is, for messages: `failures.jsonl line 3`, an SQS message id. */
  where: string;
  /** The document itself (JSON text in Lambda's on-failure shape). */
  body: string;
}

/**
 * A failed-batch destination being redriven. Entries are handed out in order; each is then
 * either removed (its records are back in the stream, or gone for good and reported) or kept
 * (unreadable, another stream's, or its records could not be put back), exactly once.
 */
export interface FailureSource {
  /** What it is, for messages and `--json` (a file path, a queue URL). */
  readonly location: string;
  /** The next entries; an empty array when there are no more. */
  next(): Promise<DestinationEntry[]>;
  /** Removes an entry whose records the stream accepted; false when it was already gone. */
  remove(entry: DestinationEntry): Promise<boolean>;
  /** Leaves an entry in the destination (it will be there for the next run). */
  keep(entry: DestinationEntry): Promise<void>;
  /** Ends the run: entries still in the destination, when known. */
  close(): Promise<{ remaining?: number }>;
}
