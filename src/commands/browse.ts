/** `streamproc browse`: time flags parsed, the browse service's pages and follow batches printed. */
import { Flags } from '@oclif/core';
import type { EventItem } from '../../lambda/contract/table-layout.js';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import { parseDurationFlag, parseTimeBound } from '../browse/time-spec.js';
import { ExitCode, UsageError } from '../errors.js';
import { colorEnabled, painter } from '../ui/style.js';
import { itemLayout } from '../ui/tweet-table.js';

/** Terminal width: the TTY's, else $COLUMNS, else 100 (pipes). */
function outputWidth(): number {
  const fromEnv = Number(process.env.COLUMNS);
  return process.stdout.columns || (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 100);
}

export default class Browse extends StreamprocCommand<typeof Browse> {
  static description =
    `Show the newest tweets in the stack's table, newest last, like \`tail\`; --follow keeps printing new ones as they arrive.

Reads through the table's time index (never a full-table Scan), so it is as fast on a million items as on a hundred. --user reads one user's history through the table's key instead.

Times are arrival times (when Kinesis accepted the record), shown in local time. --since and --until take a duration back from now (30s, 10m, 2h, 3d, 1w) or a date/time (2026-11-25, 2026-11-25T20:00 local, 2026-11-25T20:00:00Z). In pipes the output is plain text, 100 columns unless $COLUMNS says otherwise.

--json prints a JSON array of the items as stored; with --follow, one JSON object per line (NDJSON).

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'The 20 newest tweets.' },
    {
      command: '<%= config.bin %> <%= command.id %> -f',
      description: 'Keep printing tweets as they arrive (Ctrl-C stops).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --user jeff --since 2d',
      description: "One user's tweets of the last two days.",
    },
    {
      command: '<%= config.bin %> <%= command.id %> --grep lambda --limit 50',
      description: 'The 50 newest tweets mentioning "lambda".',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --rejected',
      description: 'Malformed records the processor quarantined, with the reason.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> -f --json | jq .text',
      description: 'Stream new tweets as NDJSON.',
    },
  ];
  static flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new items as they arrive, until Ctrl-C.' }),
    grep: Flags.string({ description: 'Only items whose text, user or hashtags contain TEXT (case-insensitive).' }),
    interval: Flags.string({
      default: '1s',
      description: 'With --follow: how often to poll the table (e.g. 500ms, 2s).',
    }),
    limit: Flags.integer({ char: 'n', default: 20, description: 'How many items to show.', max: 10_000, min: 1 }),
    lookback: Flags.string({
      default: '30s',
      description:
        'With --follow: how late (after its arrival time) an item may become visible and still be shown; raise it for a lagging pipeline.',
    }),
    network: Flags.string({
      aliases: ['source'],
      description: 'Only posts of this network (v1 items count as x, or synthetic); --source is the same flag.',
      options: ['x', 'bluesky', 'mastodon', 'synthetic'],
    }),
    rejected: Flags.boolean({
      description: 'Show quarantined malformed records (reason, raw payload) instead of tweets.',
    }),
    since: Flags.string({ description: 'Only items that arrived at or after this time (2h, 3d, 2026-11-25T20:00).' }),
    until: Flags.string({ description: 'Only items that arrived at or before this time (10m, 2026-11-25).' }),
    user: Flags.string({ char: 'u', description: "One user's tweets (username, with or without @)." }),
  };
  static handlesInterrupt = true;

  async run(): Promise<EventItem[] | undefined> {
    const { flags } = this;
    const nowMs = Date.now();
    const sinceMs = flags.since === undefined ? undefined : parseTimeBound('since', flags.since, nowMs);
    const untilMs = flags.until === undefined ? undefined : parseTimeBound('until', flags.until, nowMs);
    const intervalMs = parseDurationFlag('interval', flags.interval);
    const lookbackMs = parseDurationFlag('lookback', flags.lookback);
    if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
      throw new UsageError('--since is later than --until', { hint: 'For example --since 3h --until 1h.' });
    }
    if (flags.follow && untilMs !== undefined) {
      throw new UsageError('--until cannot be combined with --follow', {
        hint: 'Follow shows items as they arrive; use --since to choose where the first page starts.',
      });
    }
    if (flags.rejected && flags.user) {
      throw new UsageError('--user cannot be combined with --rejected', {
        hint: 'Rejected records have no valid user; filter them with --grep instead.',
      });
    }
    if (flags.rejected && flags.network) {
      throw new UsageError('--network cannot be combined with --rejected', {
        hint: 'Rejected records belong to no network; filter them with --grep instead.',
      });
    }
    if (intervalMs < 100)
      throw new UsageError('--interval must be at least 100ms', { hint: 'For example --interval 500ms.' });

    const stack = await this.stack();
    const { browseStack, retentionBounds } = await import('../browse/browse.js');
    const { retentionDays } = retentionBounds(stack.settings);
    // A look-back beyond what the table keeps reads nothing more, and each poll would query every
    // hour of it (99999d exhausted memory).
    if (flags.follow && retentionDays !== undefined && lookbackMs > retentionDays * 86_400_000) {
      throw new UsageError(
        `--lookback ${flags.lookback} is longer than stack ${stack.name} keeps items (${retentionDays} days)`,
        {
          hint: `Use --lookback ${retentionDays}d or less (the default 30s suits a healthy pipeline).`,
        },
      );
    }
    const table = await browseStack({ stack });
    const kind = flags.rejected ? 'rejected' : 'tweet';
    const query = {
      kind,
      limit: flags.limit,
      sinceMs,
      untilMs,
      user: flags.user,
      grep: flags.grep,
      network: flags.network,
    } as const;
    try {
      // Following, Ctrl-C ends the follow loop (then the count, exit 130); otherwise it stops the read.
      const page = await table.newest(query, flags.follow ? undefined : this.interruptSignal);
      const json = this.jsonEnabled();
      const filtered = Boolean(
        flags.user || flags.grep || flags.network || sinceMs !== undefined || untilMs !== undefined,
      );
      const noun = flags.rejected ? 'rejected records' : 'tweets';
      const layout = itemLayout({ kind, width: outputWidth(), color: this.color, now: Date.now(), sample: page.items });
      if (page.items.length === 0 && !flags.follow) {
        this.note(this.emptyMessage(table.tableName, noun, filtered, this.flags.stack));
      } else if (!json) {
        this.say(layout.header());
        for (const item of page.items) this.say(layout.row(item));
      }
      if (!page.complete) {
        this.note(
          `Stopped after reading ${page.examined} items without finding ${flags.limit} matches; narrow with --since.`,
        );
      }
      if (!flags.follow) return page.items;

      if (json) for (const item of page.items) process.stdout.write(`${JSON.stringify(item)}\n`);
      this.note(`Following ${table.tableName} (every ${flags.interval}; Ctrl-C to stop)…`);
      let shown = page.items.length;
      for await (const batch of table.follow({
        ...query,
        shown: page.items,
        intervalMs,
        lookbackMs,
        signal: AbortSignal.any([this.interruptSignal, this.outputClosed]),
      })) {
        for (const item of batch) {
          if (this.outputClosed.aborted) break;
          process.stdout.write(json ? `${JSON.stringify(item)}\n` : `${layout.row(item)}\n`);
        }
        shown += batch.length;
      }
      // The reader went away (`| head -1`): that is how a pipe ends, not a failure; nothing more to say.
      if (this.outputClosed.aborted) return undefined;
      this.note(`\nShown ${shown} ${shown === 1 ? noun.replace(/s$/, '') : noun}.`);
      if (this.interruptSignal.aborted) process.exitCode = ExitCode.interrupted;
      // NDJSON was printed as it arrived; returning nothing keeps oclif from adding a JSON document.
      return undefined;
    } finally {
      table.close();
    }
  }

  /** Progress and notes go to stderr so that stdout carries only items (pipes, --json). */
  private note(message: string): void {
    if (!this.jsonEnabled() || this.flags.follow) process.stderr.write(`${message}\n`);
  }

  private emptyMessage(table: string, noun: string, filtered: boolean, stack: string | undefined): string {
    const paint = painter(colorEnabled(process.stderr));
    if (filtered)
      return `No ${noun} in ${table} match the filters.\n${paint.gray('Hint:')} widen them, e.g. --since 7d.`;
    if (noun === 'rejected records') return `No rejected records in ${table}: every record so far was valid.`;
    return `No tweets yet in ${table}.\n${paint.gray('Hint:')} streamproc ingest${stack ? ` --stack ${stack}` : ''} --synthetic --count 100`;
  }
}
