/** Bordered tables (cli-table3) with colour as an explicit choice, fitted to the terminal's width. */
import { createRequire } from 'node:module';
import { displayWidth, wrapToWidth } from './text-width.js';

/**
 * Renders rows as a table. cli-table3 writes colour codes even into pipes unless its styles are
 * emptied, so colour is an explicit choice here.
 */
export interface TableOptions {
  head: string[];
  rows: (string | number)[][];
  color: boolean;
  /** Column widths including padding; omitted columns size to content (and no fitting happens). */
  colWidths?: (number | null)[];
  wordWrap?: boolean;
  /** Cells the table may take (default: the terminal's width; undefined in a pipe: no limit). */
  width?: number;
}

// cli-table3 is CommonJS and small; loading it on demand keeps `--help` fast.
const require = createRequire(import.meta.url);

/** The terminal's width: the TTY's, else $COLUMNS; undefined in a pipe without $COLUMNS (no limit). */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout, env = process.env): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

/**
 * Renders rows as a table that fits `width`: when the natural table is wider, the widest columns
 * give up room first and their cells wrap inside them (words at spaces, a long name or path
 * between characters), instead of the terminal wrapping the table's lines.
 */
export function renderTable(options: TableOptions): string {
  const width = 'width' in options ? options.width : terminalWidth();
  const columns = Math.max(options.head.length, ...options.rows.map((row) => row.length));
  const natural = Array.from({ length: columns }, (_, i) =>
    Math.max(
      displayWidth(options.head[i] ?? ''),
      ...options.rows.map((row) =>
        Math.max(
          ...String(row[i] ?? '')
            .split('\n')
            .map(displayWidth),
        ),
      ),
    ),
  );
  // A border before every column and one after the last; a space either side of each cell.
  const overhead = columns * 3 + 1;
  if (options.colWidths || width === undefined || natural.reduce((a, b) => a + b, 0) + overhead <= width) {
    return drawTable(options);
  }
  const fitted = [...natural];
  let excess = fitted.reduce((a, b) => a + b, 0) + overhead - width;
  while (excess > 0) {
    const widest = fitted.indexOf(Math.max(...fitted));
    if ((fitted[widest] as number) <= 6) break;
    fitted[widest] = (fitted[widest] as number) - 1;
    excess -= 1;
  }
  const wrap = (text: string, column: number) =>
    text
      .split('\n')
      .flatMap((line) => wrapToWidth(line, fitted[column] as number))
      .join('\n');
  return drawTable({
    ...options,
    head: options.head.map((cell, i) => wrap(cell, i)),
    rows: options.rows.map((row) => row.map((cell, i) => wrap(String(cell), i))),
    colWidths: fitted.map((w) => w + 2),
  });
}

function drawTable(options: TableOptions): string {
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

/** Two-column key/value table without a header, e.g. for what a deploy created; fits `width` as tables do. */
export function renderKeyValues(
  entries: [string, string | number][],
  color: boolean,
  width: number | undefined = terminalWidth(),
): string {
  return renderTable({ head: [], rows: entries, color, width });
}
