/** The frame every command shares: global flags, the one place errors become output and exit codes, Ctrl-C. */
import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { scrubSecrets, secretValues } from './config/redact.js';
import { type ResolvedStack, resolveStack } from './config/store.js';
import { ExitCode, InterruptedError, isUserError, UsageError } from './errors.js';
import { type Reporter, silentReporter } from './progress.js';
import { consoleReporter } from './ui/console-reporter.js';
import { colorEnabled, type Paint, painter } from './ui/style.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof StreamprocCommand)['baseFlags'] & T['flags']
>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** Appended to every command's help, so that scripts know what to expect. */
export const EXIT_CODES_HELP = 'Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted.';

/**
 * The frame every streamproc command shares: `--stack`, `--debug`, `--json`, the one place where
 * errors become output and exit codes, Ctrl-C handling, and the TTY / colour decisions.
 */
export abstract class StreamprocCommand<T extends typeof Command> extends Command {
  static baseFlags = {
    debug: Flags.boolean({
      description: 'Show details (stack traces, AWS request ids) when something fails.',
      helpGroup: 'GLOBAL',
    }),
    stack: Flags.string({
      description: 'Stack to work on (default: the default stack from `streamproc init`, else "streamproc").',
      env: 'STREAMPROC_STACK',
      helpGroup: 'GLOBAL',
    }),
  };
  static enableJsonFlag = true;
  /**
   * Commands that can stop cleanly on Ctrl-C (flush, print a summary) set this and watch
   * `interruptSignal`; the others exit 130 at once.
   */
  static handlesInterrupt = false;

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  private readonly interrupt = new AbortController();
  private readonly output = new AbortController();
  private resolvedStack?: ResolvedStack;
  private signalHandler?: (signal: NodeJS.Signals) => void;

  /** Whether this run stops cleanly on the first Ctrl-C; by default the class's `handlesInterrupt`. */
  protected handlesInterrupt(): boolean {
    return (this.ctor as unknown as typeof StreamprocCommand).handlesInterrupt;
  }

  /** Aborted on the first Ctrl-C / SIGTERM; a second one exits at once. */
  protected get interruptSignal(): AbortSignal {
    return this.interrupt.signal;
  }

  /**
   * Aborted when stdout's reader has gone (`browse -f | head -1`): writing on is pointless, and
   * oclif itself swallows EPIPE, so a command that streams must watch this to stop.
   */
  protected get outputClosed(): AbortSignal {
    return this.output.signal;
  }

  override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof StreamprocCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    checkSafeIntegers(flags);
    this.installSignalHandlers();
    process.stdout.on('error', this.onOutputError);
  }

  private readonly onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') this.output.abort();
  };

  /** The stack this invocation works on (settings loaded once). */
  protected async stack(): Promise<ResolvedStack> {
    this.resolvedStack ??= await resolveStack(this.flags.stack);
    return this.resolvedStack;
  }

  /** A person is at the keyboard: prompts, spinners and confirmations are possible. */
  protected get interactive(): boolean {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !this.jsonEnabled();
  }

  /** Colour for stdout; off in pipes, with NO_COLOR and in JSON mode. */
  protected get color(): boolean {
    return !this.jsonEnabled() && colorEnabled(process.stdout);
  }

  protected get paint(): Paint {
    return painter(this.color);
  }

  /** Progress for services: spinners on a TTY, lines on stderr in a pipe, nothing with --json. */
  protected reporter(): Reporter {
    if (this.jsonEnabled()) return silentReporter;
    return consoleReporter({
      color: colorEnabled(process.stderr),
      interactive: Boolean(process.stderr.isTTY),
      stream: process.stderr,
    });
  }

  /** Human output only; JSON mode prints the value `run()` returns instead. */
  protected say(message = ''): void {
    if (!this.jsonEnabled()) process.stdout.write(`${message}\n`);
  }

  private installSignalHandlers(): void {
    let count = 0;
    this.signalHandler = (signal) => {
      count += 1;
      if (count === 1 && this.handlesInterrupt()) {
        this.interrupt.abort(new InterruptedError(`Interrupted by ${signal}`));
        return;
      }
      process.stderr.write(`\nInterrupted (${signal}).\n`);
      process.exit(ExitCode.interrupted);
    };
    process.on('SIGINT', this.signalHandler);
    process.on('SIGTERM', this.signalHandler);
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    process.stdout.off('error', this.onOutputError);
    if (this.signalHandler) {
      process.off('SIGINT', this.signalHandler);
      process.off('SIGTERM', this.signalHandler);
    }
    return super.finally(error);
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's own exits (help, version, this.exit) and its parse errors keep their codes.
    if (error instanceof Errors.ExitError) throw error;
    const secrets = this.resolvedStack ? secretValues(this.resolvedStack.settings) : [];
    const scrub = (text: string) => scrubSecrets(text, secrets);
    const debug = Boolean(this.flags?.debug) || /streamproc/.test(process.env.DEBUG ?? '');
    let exit: number;
    let message: string;
    let hint: string | undefined;
    let code: string;
    if (error.name === 'ExitPromptError') {
      // Ctrl-C at an inquirer prompt arrives as a keypress, not a signal: the prompt throws this.
      ({ exit, message, hint, code } = new InterruptedError('Interrupted at the prompt; nothing was changed'));
    } else if (isUserError(error)) {
      ({ exit, message, hint, code } = error);
    } else if (error instanceof Errors.CLIError) {
      // Flag parsing: unknown flag, missing value, bad option: usage errors.
      exit = error.oclif?.exit ?? ExitCode.usage;
      message = flagErrorMessage(error.message);
      hint = `See \`streamproc ${this.id ?? ''} --help\`.`.replace('  ', ' ');
      code = exit === ExitCode.usage ? 'USAGE' : 'CLI_ERROR';
    } else {
      exit = ExitCode.failure;
      message = `Unexpected failure: ${error.message}`;
      hint = debug ? 'This is a bug in streamproc; please report it.' : 'Run again with --debug for details.';
      code = 'INTERNAL';
    }
    message = scrub(message).replace(/\s*\n\s*/g, ' ');
    hint = hint === undefined ? undefined : scrub(hint);
    process.exitCode = exit;
    if (this.jsonEnabled()) {
      this.logJson({ error: { code, exit, hint, message } });
    } else {
      const paint = painter(colorEnabled(process.stderr));
      process.stderr.write(`${paint.red('Error:')} ${message}\n`);
      if (hint) process.stderr.write(`${paint.gray('Hint:')} ${hint}\n`);
    }
    if (debug) process.stderr.write(`${scrub(String(error.stack ?? error))}\n`);
    if (debug && error.cause)
      process.stderr.write(`Caused by: ${scrub(String((error.cause as Error).stack ?? error.cause))}\n`);
    this.exit(exit);
    return undefined;
  }
}

/**
 * oclif's flag errors span lines ("Parsing --shards \n\tExpected an integer … but received: 0\nSee
 * more help with --help"); the reason is on the second line, and the error must stay one line.
 */
export function flagErrorMessage(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^See more help with/.test(line));
  const [first = text.trim(), ...rest] = lines;
  const flag = /^Parsing (--[\w-]+)$/.exec(first);
  if (flag && rest.length > 0) return `Invalid value for ${flag[1]}: ${rest.join(' ')}`;
  return [first, ...rest].join(': ');
}

/**
 * oclif's integer flags go through parseInt: `--seed 99999999999999999999` would silently become
 * 1e20 and lose its digits. Every number a flag holds must be exact.
 */
function checkSafeIntegers(flags: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(flags)) {
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new UsageError(
        `Invalid value for --${name}: beyond ${Number.MAX_SAFE_INTEGER}, the largest whole number it holds exactly`,
        { hint: 'Pass a smaller number.' },
      );
    }
  }
}
