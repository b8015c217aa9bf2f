/** The teardown service: what exists is described, confirmed by the caller, then deleted by the target. */
import type { ResolvedStack } from '../config/store.js';
import type { Reporter } from '../progress.js';
import type { StackDescription, StackTarget, TeardownResult } from '../target.js';
import { targetFor } from '../targets.js';

export interface TeardownStackOptions {
  stack: ResolvedStack;
  /** Keep the local data directory (local target). */
  keepData: boolean;
  /**
   * Shown what an existing stack holds before anything is deleted; rejects (a UserError) to stop.
   * Without it nothing is described or asked: the caller has already decided (the demo's --teardown).
   */
  confirm?: (description: StackDescription) => Promise<void>;
  reporter: Reporter;
  signal: AbortSignal;
  /** The target to tear down on. Default: the stack's own, from `targetFor`. */
  target?: StackTarget;
}

export async function teardownStack(options: TeardownStackOptions): Promise<TeardownResult> {
  const { stack } = options;
  const target = options.target ?? (await targetFor(stack.settings));
  if (options.confirm) {
    const description = await target.describe(stack);
    // A stack that does not exist needs no confirmation, but the target still runs: it clears
    // what may be left around it (saved outputs, staged assets on AWS) and reports existed: false.
    if (description.exists) await options.confirm(description);
  }
  return target.teardown({ stack, keepData: options.keepData, reporter: options.reporter, signal: options.signal });
}
