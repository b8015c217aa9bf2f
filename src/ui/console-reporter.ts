/** Renders a service's progress on the console: spinners on a TTY, plain lines in a pipe. */
import type { Reporter } from '../progress.js';
import { type Paint, painter } from './style.js';

export interface ConsoleReporterOptions {
  /** Where progress goes; stderr, so that stdout carries only the result. */
  stream?: NodeJS.WriteStream;
  /** Spinners need a TTY; without one, each finished step is one plain line. */
  interactive: boolean;
  color: boolean;
}

/** Spinners (ora, loaded on first use) on a TTY, plain `✔ step` lines elsewhere. */
export function consoleReporter(options: ConsoleReporterOptions): Reporter {
  const stream = options.stream ?? process.stderr;
  const paint: Paint = painter(options.color);
  const write = (line: string) => stream.write(`${line}\n`);
  return {
    async step(title, work) {
      const started = Date.now();
      const elapsed = () => paint.gray(`(${((Date.now() - started) / 1000).toFixed(1)}s)`);
      if (!options.interactive) {
        try {
          const result = await work();
          write(`${paint.green('✔')} ${title} ${elapsed()}`);
          return result;
        } catch (error) {
          write(`${paint.red('✖')} ${title} failed ${elapsed()}`);
          throw error;
        }
      }
      const { default: ora } = await import('ora');
      const spinner = ora({ text: title, stream, color: 'cyan', isEnabled: true }).start();
      try {
        const result = await work();
        spinner.succeed(`${title} ${elapsed()}`);
        return result;
      } catch (error) {
        spinner.fail(`${title} failed ${elapsed()}`);
        throw error;
      }
    },
    info: (message) => write(message),
    warn: (message) => write(`${paint.yellow('!')} ${message}`),
  };
}
