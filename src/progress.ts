/**
 * How services report progress without printing: they emit typed events through a Reporter, and
 * the command picks the implementation (spinners on a TTY, plain lines in a pipe, nothing in
 * `--json` mode). Services say what happened; `src/ui/` decides how it looks.
 */

/** One CloudFormation stack event as plain data: what the stack events printer needs, no SDK types. */
export interface StackEventData {
  /** Server time of the event. */
  timestamp?: Date;
  /** CREATE_IN_PROGRESS, UPDATE_FAILED, ROLLBACK_COMPLETE, … */
  status?: string;
  /** AWS::Kinesis::Stream, AWS::CloudFormation::Stack, … */
  resourceType?: string;
  logicalId?: string;
  physicalId?: string;
  reason?: string;
}

/** One planned change of a CloudFormation change set, as deploy shows it before executing. */
export interface ChangeRow {
  /** Add, Modify, Remove, Import, Dynamic. */
  action: string;
  logicalId: string;
  type: string;
  /** True, False or Conditional for Modify; empty otherwise. */
  replacement?: string;
}

/** What a service can report besides steps (which wrap work, see `Reporter.step`). */
export type ProgressEvent =
  /** A line of progress or detail the user may want to see. */
  | { type: 'info'; message: string }
  /** Something the user should know that does not stop the operation. */
  | { type: 'warn'; message: string }
  /** A stack event arrived while watching a stack operation (oldest first, each once). */
  | { type: 'stackEvent'; event: StackEventData }
  /** CloudFormation is working but reported nothing for `seconds`; `resources` are still in progress. */
  | { type: 'stillInProgress'; seconds: number; resources: string[] }
  /** The change set a deploy is about to execute (empty: only parameters or outputs change). */
  | { type: 'changeSet'; changes: ChangeRow[] }
  /** A stack operation failed: each failed resource, the root cause first. */
  | { type: 'failedResources'; events: StackEventData[] }
  /** Redrive finished one failed batch (or, with --dry-run, looked at it). */
  | { type: 'redriveBatch'; batch: RedriveBatchData };

/** One failed batch as redrive handled it: its shard and range, and what became of it. */
export interface RedriveBatchData {
  /** Where it was: `failures.jsonl entry 3`, `message <id>`. */
  where: string;
  shardId?: string;
  from?: string;
  to?: string;
  /** Records put back into the stream (or, in a dry run, that would be). */
  records: number;
  /**
   * redriven: put back and removed; lost: nothing of it left in the stream, reported and removed;
   * would-redrive: dry run; kept: left in the destination.
   */
  outcome: 'redriven' | 'lost' | 'would-redrive' | 'kept';
  /** Records of the range the stream no longer holds, when some are gone. */
  lostRecords?: number;
  /** Why it was kept, or why part of it is lost. */
  reason?: string;
}

export interface Reporter {
  /** Runs one named step of a longer operation; the UI marks it running, then done or failed. */
  step<T>(title: string, work: () => Promise<T>): Promise<T>;
  /** Reports one event; the UI decides whether and how it is shown. */
  emit(event: ProgressEvent): void;
  /** Shorthand for an `info` event. */
  info(message: string): void;
  /** Shorthand for a `warn` event. */
  warn(message: string): void;
}

/** A Reporter from its two primitives: `info` and `warn` become events. */
export function createReporter(parts: Pick<Reporter, 'step' | 'emit'>): Reporter {
  return {
    step: (title, work) => parts.step(title, work),
    emit: (event) => parts.emit(event),
    info: (message) => parts.emit({ type: 'info', message }),
    warn: (message) => parts.emit({ type: 'warn', message }),
  };
}

/** Discards everything: for tests, `--json` and library callers. */
export const silentReporter: Reporter = createReporter({
  step: (_title, work) => work(),
  emit: () => {},
});
