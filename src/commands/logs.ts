/** `streamproc logs`: the processor's log lines from either target, filtered, printed or followed. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import { parseTimeBound } from '../browse/time-spec.js';
import { ExitCode } from '../errors.js';
import { LOG_LEVELS, type LogLevel } from '../logs/log-line.js';
import { logEntryJson, renderLogEntry } from '../ui/log-lines.js';
import { colorEnabled, painter } from '../ui/style.js';

export default class Logs extends StreamprocCommand<typeof Logs> {
  static description =
    `Show the processor's log lines: on the local target what the function printed (kept by the engine in a rotating file), on AWS the function's CloudWatch log group.

The processor's one-JSON-line-per-batch summaries are shown as one readable line each (time, shards, records, written, rejected, failed, duration); other lines are shown as printed, with the time they were logged (local time). --level keeps lines at that level or above where a line has a level (a JSON "level" field, or Lambda's INFO/WARN/ERROR prefix; START/END/REPORT count as info, a timeout as an error); lines without one are kept. --grep is case-sensitive (as CloudWatch matches; on AWS it becomes the filter pattern). --since takes a duration back from now (30s, 10m, 2h, 3d, 1w) or a date/time, as browse does.

--follow keeps printing new lines until Ctrl-C, then exits 0. --json prints the raw events, one JSON object per line: {timestamp, stream, source?, message, eventId?}. Secrets from the stack's settings never appear.

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'The last 10 minutes of the processor’s logs.' },
    { command: '<%= config.bin %> <%= command.id %> -f', description: 'Keep printing new lines (Ctrl-C stops).' },
    {
      command: '<%= config.bin %> <%= command.id %> --since 2h --level warn',
      description: 'Warnings and errors of the last two hours.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --grep shardId-000000000001',
      description: 'Only lines mentioning one shard.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --consumer --since 1h',
      description: 'The second consumer’s log (deploy --consumer) for the last hour.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --engine -f',
      description: 'Follow the local engine’s own log instead (local target).',
    },
    { command: '<%= config.bin %> <%= command.id %> --json | jq .message', description: 'The raw events as NDJSON.' },
  ];
  static flags = {
    consumer: Flags.boolean({
      description: 'The second consumer’s log (deploy --consumer) instead of the processor’s.',
      exclusive: ['engine'],
    }),
    engine: Flags.boolean({
      description:
        'Local target: the engine’s own log (start/stop, provisioning, mapping errors) instead of the function’s.',
    }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines as they are logged, until Ctrl-C.' }),
    grep: Flags.string({ description: 'Only lines containing TEXT (case-sensitive).' }),
    level: Flags.option({
      description: 'Only lines at this level or above (lines without a level are kept).',
      options: LOG_LEVELS.filter((level) => level !== 'trace' && level !== 'fatal'),
    })(),
    since: Flags.string({
      default: '10m',
      description: 'Only lines logged at or after this time (30s, 10m, 2h, 3d, 2026-11-25T20:00).',
    }),
  };
  static handlesInterrupt = true;

  async run(): Promise<undefined> {
    const { flags } = this;
    const now = Date.now();
    const sinceMs = parseTimeBound('since', flags.since, now);
    const stack = await this.stack();
    const { openStackLogs } = await import('../logs/logs.js');
    const signal = AbortSignal.any([this.interruptSignal, this.outputClosed]);
    const logs = await openStackLogs({
      stack,
      engine: flags.engine,
      consumer: flags.consumer,
      sinceMs,
      grep: flags.grep,
      minLevel: flags.level as LogLevel | undefined,
      follow: flags.follow,
      signal,
    });
    const json = this.jsonEnabled();
    const paint = this.paint;
    if (flags.follow) this.note(`Following ${logs.source} (Ctrl-C to stop)…`);
    let shown = 0;
    for await (const entry of logs.entries) {
      if (this.outputClosed.aborted) break;
      process.stdout.write(`${json ? logEntryJson(entry) : renderLogEntry(entry, paint, Date.now())}\n`);
      shown += 1;
    }
    if (shown === 0 && !flags.follow && !this.interruptSignal.aborted) {
      const filtered = flags.grep !== undefined || flags.level !== undefined;
      const hint = painter(colorEnabled(process.stderr)).gray('Hint:');
      this.note(
        `No log lines ${filtered ? 'match the filters ' : ''}since ${flags.since === '10m' ? '10 minutes ago' : flags.since} in ${logs.source}.\n` +
          `${hint} ${filtered ? 'widen them, or ' : ''}look further back with --since 1d${flags.engine ? '' : `, or send records: streamproc ingest${flags.stack ? ` --stack ${flags.stack}` : ''} --synthetic --count 10`}.`,
      );
    }
    // Ctrl-C is how a follow ends: exit 0, as the user asked for it; a read cut short is 130.
    if (this.interruptSignal.aborted && !flags.follow) process.exitCode = ExitCode.interrupted;
    // Returning nothing keeps oclif from adding a JSON document after the NDJSON lines.
    return undefined;
  }

  /** Notes go to stderr, so stdout carries only log lines (pipes, --json). */
  private note(message: string): void {
    process.stderr.write(`${message}\n`);
  }
}
