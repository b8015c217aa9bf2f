/** Human output of `deploy` and `teardown` (both targets): what happened, what exists, what was skipped. */
import type { DeployResult, StackDescription, TeardownResult } from '../target.js';
import { painter } from './style.js';
import { renderKeyValues, renderTable } from './table.js';

const HEADLINES: Record<DeployResult['status'], string> = {
  created: 'created',
  updated: 'updated',
  unchanged: 'unchanged: nothing to do',
  restarted: 'restarted',
};

export function renderDeployResult(result: DeployResult, color: boolean): string {
  const paint = painter(color);
  const where = result.target === 'local' ? 'on the local engine' : 'on AWS';
  const lines = [`${paint.green('✔')} Stack ${result.stack} ${HEADLINES[result.status]} ${where}`];
  if (result.changes.length > 0) {
    lines.push('', 'Changes:', ...result.changes.map((c) => `  • ${c}`));
  }
  lines.push(
    '',
    renderKeyValues(
      result.resources.map((r) => [r.name, r.value] as [string, string]),
      color,
    ),
  );
  if (result.skipped.length > 0) {
    lines.push(
      '',
      'Not created here:',
      renderTable({
        head: ['Resource', 'Type', 'Why'],
        rows: result.skipped.map((s) => [s.logicalId, s.type, s.reason]),
        color,
      }),
    );
  }
  return lines.join('\n');
}

export function renderDescription(stack: string, description: StackDescription): string {
  return [`Stack ${stack}:`, ...description.resources.map((r) => `  • ${r}`)].join('\n');
}

export function renderTeardownResult(result: TeardownResult, color: boolean): string {
  const paint = painter(color);
  if (!result.existed) return `Stack ${result.stack} does not exist on the ${result.target} target: nothing to delete.`;
  const lines = [`${paint.green('✔')} Stack ${result.stack} torn down`];
  if (result.deleted.length > 0) lines.push(...result.deleted.map((d) => `  • deleted ${d}`));
  if (result.keptData) lines.push(`  • kept data in ${result.keptData} (--keep-data)`);
  return lines.join('\n');
}
