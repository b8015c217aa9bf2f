/**
 * One error hierarchy for the whole CLI. Services throw these; only the command boundary
 * (`StreamprocCommand.catch`) turns them into output and an exit code.
 */

/** Exit codes, documented in every command's help. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

export interface UserErrorOptions {
  /** What the user can do about it, one line. */
  hint?: string;
  /** Exit code; 1 by default, 2 for usage errors. */
  exit?: number;
  /** Stable machine-readable code for `--json` consumers, e.g. `CONFIG_CORRUPT`. */
  code?: string;
  cause?: unknown;
}

/** A failure the user can fix: printed as one line plus a hint, without a stack trace. */
export class UserError extends Error {
  readonly hint?: string;
  readonly exit: number;
  readonly code: string;

  constructor(message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.hint = options.hint;
    this.exit = options.exit ?? ExitCode.failure;
    this.code = options.code ?? 'USER_ERROR';
  }
}

/** A usage error (bad flag combination, missing flag without a TTY): exit 2. */
export class UsageError extends UserError {
  constructor(message: string, options: Omit<UserErrorOptions, 'exit'> = {}) {
    super(message, { ...options, exit: ExitCode.usage, code: options.code ?? 'USAGE' });
    this.name = 'UsageError';
  }
}

/** The user pressed Ctrl-C (or the process got SIGTERM) and the command stopped early. */
export class InterruptedError extends UserError {
  constructor(message = 'Interrupted', options: Omit<UserErrorOptions, 'exit'> = {}) {
    super(message, { ...options, exit: ExitCode.interrupted, code: 'INTERRUPTED' });
    this.name = 'InterruptedError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
