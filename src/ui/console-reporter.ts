/** Renders a service's progress on the console: spinners on a TTY, plain lines in a pipe. */
import { createReporter, type ProgressEvent, type Reporter } from '../progress.js';
import { renderChangeSet } from './change-set-table.js';
import { formatRedriveBatch } from './redrive-view.js';
import { formatFailedResources, formatStackEvent, formatStillInProgress } from './stack-events-printer.js';
import { type Paint, painter } from './style.js';

export interface ConsoleReporterOptions {
  /** Where progress goes; stderr, so that stdout carries only the result. */
  stream?: NodeJS.WriteStream;
  /** Spinners need a TTY; without one, each finished step is one plain line. */
  interactive: boolean;
  color: boolean;
}

/** The lines one progress event becomes on the console (none for an empty failure summary). */
export function progressLines(event: ProgressEvent, color: boolean): string[] {
  const paint: Paint = painter(color);
  const warning = (message: string) => `${paint.yellow('!')} ${message}`;
  switch (event.type) {
    case 'info':
      return [event.message];
    case 'warn':
      return [warning(event.message)];
    case 'stackEvent':
      return [formatStackEvent(event.event, { color })];
    case 'stillInProgress':
      return [warning(formatStillInProgress(event.seconds, event.resources))];
    case 'changeSet':
      return [renderChangeSet(event.changes, color)];
    case 'failedResources':
      return formatFailedResources(event.events, { color });
    case 'redriveBatch':
      // A dry run lists its batches in the summary instead.
      return event.batch.outcome === 'would-redrive' ? [] : [formatRedriveBatch(event.batch, color)];
  }
}

/** Spinners (ora, loaded on first use) on a TTY, plain `✔ step` lines elsewhere. */
export function consoleReporter(options: ConsoleReporterOptions): Reporter {
  const stream = options.stream ?? process.stderr;
  const paint: Paint = painter(options.color);
  const write = (line: string) => stream.write(`${line}\n`);
  const emit = (event: ProgressEvent) => {
    for (const line of progressLines(event, options.color)) write(line);
  };
  async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
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
  }
  return createReporter({ step, emit });
}
