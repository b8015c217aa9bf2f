import { painter } from './style.js';
import { renderTable } from './table.js';

/** One planned change of a CloudFormation change set, as deploy shows it before executing. */
export interface ChangeRow {
  /** Add, Modify, Remove, Import, Dynamic. */
  action: string;
  logicalId: string;
  type: string;
  /** True, False or Conditional for Modify; empty otherwise. */
  replacement?: string;
}

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
