/** Human output of `demo`: the live view of arriving tweets and the closing summary. */
import type { TweetItem } from '../../lambda/contract/table-layout.js';
import type { DemoResult } from '../demo/demo.js';
import { painter } from './style.js';
import { renderKeyValues } from './table.js';
import { itemLayout } from './tweet-table.js';

/** Lines shown per poll while tweets pour in; the rest are counted, so the screen stays readable. */
const LINES_PER_BATCH = 5;

export interface DemoViewOptions {
  color: boolean;
  width: number;
  count: number;
}

/** The live part of the demo: a few of the newest arrivals per poll, browse -f style, and a tally. */
export function createDemoView(options: DemoViewOptions) {
  const paint = painter(options.color);
  let layout: ReturnType<typeof itemLayout> | undefined;
  return {
    arrived(items: TweetItem[], found: number): string {
      layout ??= itemLayout({
        kind: 'tweet',
        width: options.width,
        color: options.color,
        now: Date.now(),
        sample: items,
      });
      const lines: string[] = [];
      if (found === items.length) lines.push(layout.header());
      for (const item of items.slice(-LINES_PER_BATCH)) lines.push(layout.row(item));
      const hidden = items.length - Math.min(items.length, LINES_PER_BATCH);
      const tally = `${found.toLocaleString('en-US')} / ${options.count.toLocaleString('en-US')} in the table`;
      lines.push(paint.gray(hidden > 0 ? `  … ${hidden} more arrived (${tally})` : `  (${tally})`));
      return lines.join('\n');
    },
  };
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;

export function renderDemoSummary(result: DemoResult, options: { color: boolean; defaultStack: boolean }): string {
  const paint = painter(options.color);
  const stackFlag = options.defaultStack ? '' : ` --stack ${result.stack}`;
  const ok = result.missing === 0;
  const rows: [string, string][] = [
    ['records sent', result.sent.toLocaleString('en-US')],
    ['items in the table', `${result.itemsInTable.toLocaleString('en-US')}${ok ? '' : ` (${result.missing} missing)`}`],
    [
      'end-to-end latency',
      `p50 ${ms(result.latency.p50Ms)}, p99 ${ms(result.latency.p99Ms)} (Kinesis arrival → item written)`,
    ],
    ['rejected records', result.rejected.toLocaleString('en-US')],
    [
      'producer',
      `${result.ingest.recordsPerSecond.toLocaleString('en-US')} records/s, ${result.ingest.retried} retried`,
    ],
    ['seed', String(result.seed)],
    ['took', `${(result.durationMs / 1000).toFixed(1)} s`],
  ];
  const lines = [
    '',
    `${ok ? paint.green('✔') : paint.red('✖')} Demo ${ok ? 'complete' : 'incomplete'} on stack "${result.stack}" (${result.target})`,
    renderKeyValues(rows, options.color),
  ];
  if (result.teardown) {
    lines.push(`Stack "${result.stack}" removed (--teardown).`);
  } else {
    const next: [string, string][] = [
      [`streamproc browse${stackFlag}`, 'the newest tweets; -f keeps following'],
      [`streamproc ingest${stackFlag} --synthetic --rate 50`, 'a steady load (Ctrl-C stops it)'],
      [`streamproc ingest${stackFlag} --file tweets.jsonl`, 'replay your own capture'],
      [`streamproc teardown${stackFlag}`, 'remove it all'],
    ];
    const width = Math.max(...next.map(([command]) => command.length));
    lines.push(
      '',
      'The stack keeps running. Next:',
      ...next.map(([command, what]) => `  ${command.padEnd(width)}  ${paint.gray(`# ${what}`)}`),
    );
  }
  return lines.join('\n');
}
