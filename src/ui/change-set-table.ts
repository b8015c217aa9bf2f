/** A CloudFormation change set as deploy shows it before executing: a table, replacements standing out. */
import type { ChangeRow } from '../progress.js';
import { painter } from './style.js';
import { renderTable } from './table.js';

/** The change set as a table: action, logical id, type, replacement (replacements stand out). */
export function renderChangeSetTable(changes: ChangeRow[], color: boolean): string {
  const paint = painter(color);
  const action = (text: string) =>
    text === 'Remove'
      ? paint.red(text)
      : text === 'Add'
        ? paint.green(text)
        : text === 'Modify'
          ? paint.yellow(text)
          : text;
  const replacement = (text: string | undefined) =>
    text === 'True' ? paint.red(text) : text === 'Conditional' ? paint.yellow(text) : (text ?? '');
  return renderTable({
    head: ['Action', 'Logical ID', 'Type', 'Replacement'],
    rows: changes.map((c) => [action(c.action), c.logicalId, c.type, replacement(c.replacement)]),
    color,
  });
}

/** The table, or a sentence when the change set touches no resource (an empty table says nothing). */
export function renderChangeSet(changes: ChangeRow[], color: boolean): string {
  return changes.length > 0
    ? renderChangeSetTable(changes, color)
    : 'The change set lists no resource changes (parameters or outputs only).';
}
