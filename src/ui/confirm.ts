/** Questions asked before acting: the stack name typed back before deleting, yes/no for a service's question. */
import { UsageError } from '../errors.js';

export interface ConfirmDestructiveOptions {
  /** What must be typed back (the stack name). */
  name: string;
  /** What will be destroyed, shown before the question. */
  what: string;
  /** `--confirm NAME`: must equal `name`. */
  confirm?: string;
  /** `--yes`: skip the question. */
  yes?: boolean;
  /** Whether a person can answer (stdin and stdout are TTYs, not `--json`). */
  interactive: boolean;
  /** Asks for the typed name; defaults to an inquirer input prompt. */
  ask?: (message: string) => Promise<string>;
}

/**
 * The heroku pattern: a destructive command asks the user to type the name back, or takes
 * `--confirm NAME` / `--yes`; without a TTY and without either it refuses rather than guessing.
 * Resolves true when confirmed, false when the user typed something else.
 */
export async function confirmDestructive(options: ConfirmDestructiveOptions): Promise<boolean> {
  if (options.confirm !== undefined) {
    if (options.confirm !== options.name) {
      throw new UsageError(`--confirm ${options.confirm} does not match the stack name "${options.name}"`, {
        hint: `Pass --confirm ${options.name} to delete that stack.`,
        code: 'CONFIRM_MISMATCH',
      });
    }
    return true;
  }
  if (options.yes) return true;
  if (!options.interactive) {
    throw new UsageError(`Refusing to delete ${options.what} without confirmation (no terminal to ask on)`, {
      hint: `Pass --confirm ${options.name} (or --yes) to delete it non-interactively.`,
      code: 'CONFIRM_REQUIRED',
    });
  }
  const ask =
    options.ask ??
    (async (message: string) => {
      const { input } = await import('@inquirer/prompts');
      return input({ message });
    });
  const typed = await ask(`This deletes ${options.what}. Type the stack name (${options.name}) to confirm:`);
  return typed.trim() === options.name;
}

/**
 * Answers a yes/no question a service asks (for example a deploy about to replace a resource):
 * `--yes` answers it, a person at a terminal is asked (default no), and without either it
 * refuses, naming the flag.
 */
export async function answerQuestion(
  question: { message: string; flag: string },
  options: { yes: boolean; interactive: boolean },
): Promise<boolean> {
  if (options.yes) return true;
  if (!options.interactive) {
    throw new UsageError(`${question.message} (no terminal to ask on)`, {
      hint: `Pass ${question.flag} to answer yes without a terminal.`,
      code: 'NEEDS_FLAGS',
    });
  }
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question.message, default: false });
}
