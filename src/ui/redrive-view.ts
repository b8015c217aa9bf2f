/** What redrive looks like: one progress line per failed batch, then a short summary table. */
import type { RedriveBatchData } from '../progress.js';
import type { RedriveResult } from '../redrive/redrive.js';
import type { LostRange } from '../redrive/stream-range.js';
import { painter } from './style.js';
import { renderKeyValues, renderTable } from './table.js';

/** `shardId-000000000000 49650…0002..49650…0042`: a batch's place in the stream. */
export function formatRange(shardId?: string, from?: string, to?: string): string {
  if (!shardId) return '';
  return from === to ? `${shardId} ${from}` : `${shardId} ${from}..${to}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The progress line for one batch (stderr). */
export function formatRedriveBatch(batch: RedriveBatchData, color: boolean): string {
  const paint = painter(color);
  const range = formatRange(batch.shardId, batch.from, batch.to);
  const lost =
    batch.lostRecords !== undefined || (batch.reason && batch.outcome !== 'kept')
      ? paint.yellow(` (lost${batch.lostRecords === undefined ? '' : ` ${batch.lostRecords}`}: ${batch.reason})`)
      : '';
  switch (batch.outcome) {
    case 'redriven':
      return `${paint.green('✔')} redriven ${batch.where}: ${plural(batch.records, 'record')} ${range}${lost}`;
    case 'lost':
      return `${paint.yellow('!')} lost ${batch.where}: ${range}${lost}; removed`;
    case 'would-redrive':
      return `  would redrive ${batch.where}: ${plural(batch.records, 'record')} ${range}${lost}`;
    case 'kept':
      return `${paint.yellow('!')} kept ${batch.where}${range ? ` ${range}` : ''}: ${batch.reason}`;
  }
}

/** A lost range in words: the shard, the range and how much of it. */
export function formatLostRange(lost: LostRange): string {
  const part = lost.until ? `${lost.from} up to (not including) ${lost.until}` : `${lost.from}..${lost.to} (all of it)`;
  const count = lost.records === undefined ? '' : `, ${plural(lost.records, 'record')}`;
  return `${lost.shardId} ${part}${count}: ${lost.reason}`;
}

/** What a dry run would redrive, a row per failed batch: where and shard, first and last sequence number, records. */
export function renderBatchTable(details: RedriveBatchData[], color: boolean): string {
  return renderTable({
    head: ['FAILED BATCH, SHARD', 'SEQUENCE NUMBERS (FIRST, LAST)', 'RECORDS'],
    rows: details.map((d) => [
      d.shardId ? `${d.where}\n${d.shardId}` : d.where,
      d.from === undefined ? '' : `${d.from}\n${d.to}`,
      // The reasons are listed under the table (lost ranges, kept entries): the cell stays narrow.
      d.outcome === 'kept'
        ? 'kept'
        : d.lostRecords !== undefined
          ? `${d.records} (${d.lostRecords} lost)`
          : d.reason
            ? `${d.records} (some lost)`
            : d.records,
    ]),
    color,
  });
}

/** The summary after a run (stdout). */
export function renderRedriveSummary(result: RedriveResult, color: boolean): string {
  const paint = painter(color);
  const verb = result.dryRun ? 'Would re-send' : 'Records re-sent';
  const rows: [string, string | number][] = [
    ['Destination', result.destination],
    ['Failed batches read', result.batches],
    [verb, result.records],
    ['Lost ranges', result.lost.length],
  ];
  if (!result.dryRun) rows.push(['Removed', result.removed]);
  if (result.notRemoved > 0) rows.push(['Already gone at delete', result.notRemoved]);
  if (result.kept.length > 0) rows.push(['Kept (not redriven)', result.kept.length]);
  if (result.remaining !== undefined) rows.push([result.dryRun ? 'In the destination' : 'Remaining', result.remaining]);
  if (result.rejected) {
    rows.push([result.dryRun ? 'Rejected: would re-send' : 'Rejected re-sent', result.rejected.resent]);
    rows.push(['Rejected: not re-sendable', result.rejected.notResendable.length]);
  }
  const lines: string[] = [];
  if (result.dryRun && result.details.length > 0) lines.push(renderBatchTable(result.details, color));
  lines.push(renderKeyValues(rows, color));
  if (result.dryRun) lines.push(paint.gray('Dry run: nothing was changed.'));
  if (result.lost.length > 0) {
    lines.push(paint.yellow('Lost (no longer in the stream; these records cannot be redriven):'));
    for (const lost of result.lost) lines.push(`  ${formatLostRange(lost)}`);
  }
  if (result.kept.length > 0) {
    lines.push('Kept in the destination:');
    for (const kept of result.kept) lines.push(`  ${kept.where}: ${kept.reason}`);
  }
  if (result.rejected && result.rejected.notResendable.length > 0) {
    lines.push(
      renderTable({
        head: ['REJECTED RECORD (SHARD, SEQUENCE NUMBER)', 'NOT RE-SENT'],
        rows: result.rejected.notResendable.map((r) => [`${r.shardId}\n${r.seq}`, r.reason]),
        color,
      }),
    );
  }
  if (result.rejected && !result.rejected.complete) {
    lines.push(
      paint.yellow(`Only the newest ${result.rejected.found} rejected records were read; run again for the rest.`),
    );
  }
  return lines.join('\n');
}
