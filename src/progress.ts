/**
 * How services report progress without printing: the command picks an implementation (spinners
 * on a TTY, plain lines in a pipe, nothing in `--json` mode) and passes it in.
 */
export interface Reporter {
  /** Runs one named step of a longer operation; the UI marks it running, then done or failed. */
  step<T>(title: string, work: () => Promise<T>): Promise<T>;
  /** A line of progress or detail the user may want to see. */
  info(message: string): void;
  /** Something the user should know that does not stop the operation. */
  warn(message: string): void;
}

/** Discards everything: for tests, `--json` and library callers. */
export const silentReporter: Reporter = {
  step: (_title, work) => work(),
  info: () => {},
  warn: () => {},
};
