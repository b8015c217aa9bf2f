/** The live view of an ingest run on stderr, and its summary on stdout. */
import type { IngestProgress } from '../ingest/ingest.js';
import { formatUsd } from '../ingest/post-billing.js';
import type { BadInput, SourceState } from '../ingest/sources/source.js';
import type { IngestSummary } from '../ingest/summary.js';
import { painter } from './style.js';
import { renderKeyValues } from './table.js';

/**
 * The live view of an ingest run, on stderr: on a TTY one status line redrawn at most ten times
 * a second, with warnings printed above it; in a pipe a plain line every few seconds and on each
 * source state change. The summary goes to stdout.
 */

export interface IngestViewOptions {
  stream?: NodeJS.WriteStream;
  interactive: boolean;
  color: boolean;
  /** Polled for the figures; the view owns the timer. */
  progress: () => IngestProgress;
  /** Pipe mode: seconds between lines (default 5). */
  pipeIntervalMs?: number;
}

export interface IngestView {
  state(state: SourceState): void;
  badLine(bad: BadInput): void;
  warn(message: string): void;
  stop(): void;
}

const SHOWN_BAD_LINES = 5;

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function describeState(s: SourceState): string {
  if (s.state === 'reconnecting') {
    const wait = s.delayMs ? ` in ${(s.delayMs / 1000).toFixed(s.delayMs < 10_000 ? 1 : 0)} s` : ' now';
    return `reconnecting${wait}${s.detail ? ` (${s.detail})` : ''}`;
  }
  return s.detail ? `${s.state}: ${s.detail}` : s.state;
}

export function createIngestView(options: IngestViewOptions): IngestView {
  const out = options.stream ?? process.stderr;
  const paint = painter(options.color);
  let source = 'starting';
  let badShown = 0;
  let last = { at: Date.now(), sent: 0, bytes: 0 };
  let rates = { records: 0, bytes: 0 };
  let lineOnScreen = false;

  const status = (): string => {
    const p = options.progress();
    const now = Date.now();
    const dt = (now - last.at) / 1000;
    if (dt >= 0.5) {
      // A short moving average keeps the figures readable without hiding a stall for long.
      rates = {
        records: rates.records * 0.5 + ((p.sent - last.sent) / dt) * 0.5,
        bytes: rates.bytes * 0.5 + ((p.bytesSent - last.bytes) / dt) * 0.5,
      };
      last = { at: now, sent: p.sent, bytes: p.bytesSent };
    }
    const failed = p.givenUp + p.rejected;
    return [
      `sent ${paint.green(formatCount(p.sent))}`,
      `retried ${formatCount(p.retried)}`,
      `failed ${failed > 0 ? paint.red(formatCount(failed)) : '0'}`,
      ...(p.badLines > 0 ? [`bad ${paint.yellow(formatCount(p.badLines))}`] : []),
      ...(noticeTotal(p.notices) > 0 ? [`notices ${formatCount(noticeTotal(p.notices))}`] : []),
      ...(p.billing
        ? [`read ${formatCount(p.billing.postsRead)} ≈ ${formatUsd(p.billing.estimatedCostUsd)} (est.)`]
        : []),
      `${formatCount(Math.round(rates.records))} rec/s`,
      `${formatBytes(Math.round(rates.bytes))}/s`,
      paint.gray(source),
    ].join(' · ');
  };

  const clear = () => {
    if (lineOnScreen) out.write('\r\u001B[2K');
    lineOnScreen = false;
  };
  const draw = () => {
    clear();
    const line = status();
    const width = out.columns ?? 120;
    // Never wrap: a wrapped line cannot be redrawn in place.
    out.write(line.length > width ? `${line.slice(0, width - 1)}…` : line);
    lineOnScreen = true;
  };
  const print = (line: string) => {
    if (options.interactive) {
      clear();
      out.write(`${line}\n`);
      draw();
    } else out.write(`${line}\n`);
  };

  const timer = options.interactive
    ? setInterval(draw, 100)
    : setInterval(() => out.write(`${status()}\n`), options.pipeIntervalMs ?? 5_000);
  timer.unref();

  return {
    state(s) {
      source = describeState(s);
      if (!options.interactive || s.state === 'reconnecting' || s.detail) print(paint.gray(`source ${source}`));
    },
    badLine(bad) {
      badShown += 1;
      if (badShown <= SHOWN_BAD_LINES)
        print(`${paint.yellow('!')} line ${bad.line}: ${bad.reason}${bad.excerpt ? ` — ${bad.excerpt}` : ''}`);
      else if (badShown === SHOWN_BAD_LINES + 1) print(paint.gray('  (more bad lines are counted; see the summary)'));
    },
    warn(message) {
      print(`${paint.yellow('!')} ${message}`);
    },
    stop() {
      clearInterval(timer);
      clear();
    },
  };
}

/** Said once when a billed stream starts, so that leaving it running never surprises anyone. */
export function billedStreamNotice(costPerPostUsd: number, maxPosts: number | undefined): string {
  const cap =
    maxPosts === undefined
      ? 'stop it with Ctrl-C, or cap it with --max-posts N'
      : `it stops after ${formatCount(maxPosts)} posts (≈ ${formatUsd(maxPosts * costPerPostUsd)})`;
  return `X bills every post this stream reads: about ${formatUsd(costPerPostUsd)} a post (an estimate; --post-cost sets your rate). The running total is on the progress line; ${cap}.`;
}

function noticeTotal(notices: Record<string, number>): number {
  return Object.values(notices).reduce((sum, n) => sum + n, 0);
}

/** `0`, or the total and each kind, most frequent first: `12 (delete 9, limit 2, operational-disconnect 1)`. */
export function describeNotices(notices: Record<string, number>): string {
  const total = noticeTotal(notices);
  if (total === 0) return '0';
  const kinds = Object.entries(notices)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${formatCount(n)}`);
  return `${formatCount(total)} (${kinds.join(', ')})`;
}

/** The end-of-run summary: a two-column table, then the first bad lines in full. */
export function renderIngestSummary(summary: IngestSummary, color: boolean): string {
  const rows: [string, string][] = [
    ['source', summary.source],
    ['stream', summary.stream],
    ...(summary.identity.as === 'producer'
      ? ([['sent as', `producer identity ${summary.identity.arn ?? '(ARN unknown)'}`]] as [string, string][])
      : []),
    ['sent', formatCount(summary.sent)],
    [
      'failed',
      formatCount(summary.failed) + (summary.rejected > 0 ? ` (${formatCount(summary.rejected)} too large)` : ''),
    ],
    ['retried', formatCount(summary.retried)],
    ['given up', summary.givenUp > 0 ? `${formatCount(summary.givenUp)} → ${summary.givenUpFile}` : '0'],
    ...(summary.unsaved > 0
      ? ([['neither sent nor saved', `${formatCount(summary.unsaved)} (${summary.unsavedReason})`]] as [
          string,
          string,
        ][])
      : []),
    ...(summary.resumeFromLine !== null
      ? ([['resume from', `--from-line ${summary.resumeFromLine}`]] as [string, string][])
      : []),
    ['bad lines', formatCount(summary.badLines)],
    ['notices', describeNotices(summary.notices)],
    ...(summary.billing
      ? ([
          ['posts read (billed)', formatCount(summary.billing.postsRead)],
          [
            'estimated spend',
            `${formatUsd(summary.billing.estimatedCostUsd)} (an estimate at ${formatUsd(summary.billing.costPerPostUsd)} a post)`,
          ],
        ] as [string, string][])
      : []),
    ...(summary.maxPosts !== null ? ([['max posts', formatCount(summary.maxPosts)]] as [string, string][]) : []),
    ['duration', `${(summary.durationMs / 1000).toFixed(1)} s`],
    ['records/s', formatCount(summary.recordsPerSecond)],
    ['bytes/s', `${formatBytes(summary.bytesPerSecond)}/s`],
  ];
  const lines = [renderKeyValues(rows, color)];
  if (summary.badLineSamples.length > 0) {
    lines.push('Bad lines (not sent):');
    for (const bad of summary.badLineSamples)
      lines.push(`  line ${bad.line}: ${bad.reason}${bad.excerpt ? ` — ${bad.excerpt}` : ''}`);
    const more = summary.badLines - summary.badLineSamples.length;
    if (more > 0) lines.push(`  … and ${formatCount(more)} more`);
  }
  if (summary.givenUp > 0)
    lines.push(`Replay the given-up records with: streamproc ingest --file ${summary.givenUpFile}`);
  return lines.join('\n');
}
