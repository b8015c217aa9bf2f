/** `streamproc status`: the pipeline at a glance — a verdict, then the figures; --watch redraws them. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import { parseDurationFlag } from '../browse/time-spec.js';
import { UsageError } from '../errors.js';
import type { StatusReport } from '../status/status.js';
import { Frame } from '../ui/frame.js';
import { renderStatus } from '../ui/status-view.js';

/** Lag points kept for the watch view's lag sparkline where the target has no lag series (local). */
const LAG_HISTORY = 24;

export default class Status extends StreamprocCommand<typeof Status> {
  static description =
    `Show the pipeline at a glance: healthy, lagging, failing, stopped or not deployed, and what to run next.

After the verdict and its reason come the stream, the event source mapping (state, batch settings, per-shard lag), the processor (invocations, errors, throttles, duration p50/p99), the table (items, rejected records) and the on-failure destination (failed batches waiting).

Rates, counts and percentiles cover --since (default 15m). Locally they come from the engine's own counters; on AWS from CloudWatch metrics, the event source mapping, the DLQ and the table's description (never a Scan). A figure that cannot be read (missing permission, engine stopped) shows as "unknown (why)".

--watch redraws every --interval on a terminal, with sparklines over the window; Ctrl-C leaves it (exit 0). In a pipe it prints one block per refresh instead; with --json, one JSON document per line.

The exit code says whether status could look, not what it saw: every verdict exits 0; scripts read .verdict.state from --json.

${EXIT_CODES_HELP}`;
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %>',
      description: 'The verdict and the figures of the last 15 minutes.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --watch',
      description: 'Keep them up to date every 2 s, with sparklines.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --since 1h --json | jq .verdict',
      description: 'The verdict of the last hour, for scripts.',
    },
  ];
  static flags = {
    interval: Flags.string({ default: '2s', description: 'With --watch: time between refreshes (at least 500ms).' }),
    since: Flags.string({
      default: '15m',
      description: 'How far back rates, counts and percentiles look, 1m to 24h (15m, 2h, 24h).',
    }),
    watch: Flags.boolean({ char: 'w', description: 'Refresh every --interval until Ctrl-C (exit 0).' }),
  };
  static handlesInterrupt = true;

  async run(): Promise<StatusReport | undefined> {
    const { flags } = this;
    const windowMs = parseDurationFlag('since', flags.since);
    const intervalMs = parseDurationFlag('interval', flags.interval);
    if (windowMs < 60_000 || windowMs > 86_400_000) {
      throw new UsageError(`--since ${flags.since} is out of range`, {
        hint: 'Use a duration between 1m and 24h, for example --since 15m.',
      });
    }
    if (intervalMs < 500)
      throw new UsageError('--interval must be at least 500ms', { hint: 'For example --interval 2s.' });
    const stack = await this.stack();
    const { pipelineStatus, watchStatus } = await import('../status/status.js');
    if (!flags.watch) {
      const report = await pipelineStatus({ stack, windowMs });
      this.say(renderStatus(report, { paint: this.paint }));
      return report;
    }

    const json = this.jsonEnabled();
    const frame = !json && process.stdout.isTTY ? new Frame(process.stdout) : undefined;
    const lagHistory: number[] = [];
    const signal = AbortSignal.any([this.interruptSignal, this.outputClosed]);
    for await (const report of watchStatus({ stack, windowMs, intervalMs, signal })) {
      if (json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        continue;
      }
      const lag = report.mapping?.maxLagMs;
      lagHistory.push(typeof lag === 'number' ? lag : 0);
      if (lagHistory.length > LAG_HISTORY) lagHistory.shift();
      const text = renderStatus(report, { paint: this.paint, watch: true, lagHistory });
      if (frame) frame.draw(text);
      else process.stdout.write(`${text}\n\n`);
    }
    // Ctrl-C is how a watch ends: a success, like leaving `top`. Returning nothing keeps oclif
    // from printing a JSON document after the NDJSON lines.
    return undefined;
  }
}
