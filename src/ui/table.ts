/** Bordered tables (cli-table3) with colour as an explicit choice. */
import { createRequire } from 'node:module';

/**
 * Renders rows as a table. cli-table3 writes colour codes even into pipes unless its styles are
 * emptied, so colour is an explicit choice here.
 */
export interface TableOptions {
  head: string[];
  rows: (string | number)[][];
  color: boolean;
  /** Column widths including padding; omitted columns size to content. */
  colWidths?: (number | null)[];
  wordWrap?: boolean;
}

// cli-table3 is CommonJS and small; loading it on demand keeps `--help` fast.
const require = createRequire(import.meta.url);

export function renderTable(options: TableOptions): string {
  const Table = require('cli-table3') as typeof import('cli-table3');
  const table = new Table({
    head: options.head,
    style: options.color ? { head: ['cyan'], border: ['gray'] } : { head: [], border: [] },
    ...(options.colWidths ? { colWidths: options.colWidths } : {}),
    wordWrap: options.wordWrap ?? false,
  });
  for (const row of options.rows) table.push(row.map(String));
  return table.toString();
}

/** Two-column key/value table without a header, e.g. for what a deploy created. */
export function renderKeyValues(entries: [string, string | number][], color: boolean): string {
  return renderTable({ head: [], rows: entries, color });
}
