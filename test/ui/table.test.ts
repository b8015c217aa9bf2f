/** Tables fit the terminal: within its width the widest columns wrap, and no character of a value is lost. */
import { describe, expect, it } from 'vitest';
import { stripAnsi } from '../../src/ui/style.js';
import { renderKeyValues, renderTable, terminalWidth } from '../../src/ui/table.js';
import { displayWidth, wrapToWidth } from '../../src/ui/text-width.js';

const rows: [string, string][] = [
  ['Stream', 'streamproc-EventStream (1 shard, retention 24 h)'],
  ['On failure', '/home/someone/.local/share/streamproc/stacks/streamproc/mapping/failures.jsonl'],
];

const widest = (table: string) => Math.max(...stripAnsi(table).split('\n').map(displayWidth));
const cellText = (table: string) => stripAnsi(table).replace(/[│┌┐└┘├┤┬┴┼─\s]/g, '');

describe('tables within a width', () => {
  it.each([40, 60, 100])('fit %i columns and keep every character of every value', (width) => {
    const table = renderKeyValues(rows, false, width);
    expect(widest(table)).toBeLessThanOrEqual(width);
    expect(cellText(table)).toBe(rows.flat().join('').replace(/\s/g, ''));
  });

  it('leave a table that fits, or has no width to fit (a pipe), as it is', () => {
    const natural = renderKeyValues(rows, false, undefined);
    expect(renderKeyValues(rows, false, 1_000)).toBe(natural);
    expect(natural.split('\n')).toHaveLength(5);
  });

  it('shrink the widest columns first in a table with a header', () => {
    const table = renderTable({
      head: ['Resource', 'Type', 'Why'],
      rows: [['EventProcessorDLQ', 'AWS::SQS::Queue', 'on-failure records go to a local file instead of the queue']],
      color: false,
      width: 60,
    });
    expect(widest(table)).toBeLessThanOrEqual(60);
    expect(stripAnsi(table)).toContain('EventProcessorDLQ');
  });
});

describe('wrapToWidth', () => {
  it('breaks at spaces, and a word longer than the line between characters', () => {
    expect(wrapToWidth('one two three', 7)).toEqual(['one two', 'three']);
    expect(wrapToWidth('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapToWidth('', 4)).toEqual(['']);
  });

  it('counts emoji and CJK as two cells', () => {
    expect(wrapToWidth('日本語テキスト', 6)).toEqual(['日本語', 'テキス', 'ト']);
  });
});

describe('terminalWidth', () => {
  it("is the TTY's columns, else $COLUMNS, else none", () => {
    expect(terminalWidth({ isTTY: true, columns: 80 } as NodeJS.WriteStream, {})).toBe(80);
    expect(terminalWidth({ isTTY: false } as NodeJS.WriteStream, { COLUMNS: '40' })).toBe(40);
    expect(terminalWidth({ isTTY: false } as NodeJS.WriteStream, {})).toBeUndefined();
  });
});
