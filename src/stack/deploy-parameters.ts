/**
 * The template parameters a deploy uses, from lowest to highest precedence: the template's
 * defaults, the stack's saved `parameters`, `DataRetentionDays` from the stack's `retentionDays`,
 * then this invocation's flags. Shared by both targets.
 */
import { retentionProblem, type StackSettings } from '../config/settings.js';
import { UsageError } from '../errors.js';
import type { CfnTemplate } from './template.js';

/** Deploy's named flags and the template parameter each one sets. */
export const PARAMETER_FLAGS = {
  shards: 'ShardCount',
  'batch-size': 'BatchSize',
  'batching-window': 'MaximumBatchingWindowInSeconds',
  memory: 'MemorySize',
  timeout: 'FunctionTimeout',
  'producer-identity': 'CreateProducerIdentity',
} as const;

export type ParameterFlag = keyof typeof PARAMETER_FLAGS;

/** Parses repeatable `--parameter Name=Value` flags. */
export function parseParameterAssignments(assignments: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const name = eq > 0 ? assignment.slice(0, eq).trim() : '';
    if (!name) {
      throw new UsageError(`--parameter ${assignment}: expected Name=Value`, {
        hint: 'For example --parameter BatchSize=50 (repeat the flag for more).',
        code: 'BAD_PARAMETER',
      });
    }
    out[name] = assignment.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Parameters set on the command line: `--parameter` assignments plus the named flags given
 * (undefined ones are ignored). A named flag and a `--parameter` for the same name must agree.
 */
export function flagParameters(
  named: Partial<Record<ParameterFlag, string | number | boolean | undefined>>,
  assignments: readonly string[] = [],
): Record<string, string> {
  const params = parseParameterAssignments(assignments);
  for (const [flag, parameter] of Object.entries(PARAMETER_FLAGS) as [ParameterFlag, string][]) {
    const value = named[flag];
    if (value === undefined || value === false) continue;
    const text = String(value);
    if (params[parameter] !== undefined && params[parameter] !== text) {
      throw new UsageError(`--${flag} ${text} contradicts --parameter ${parameter}=${params[parameter]}`, {
        hint: `Pass only one of them.`,
        code: 'BAD_PARAMETER',
      });
    }
    params[parameter] = text;
  }
  return params;
}

/** The overrides for a deploy (everything but the template defaults). */
export function deployParameterOverrides(
  settings: StackSettings,
  flags: Record<string, string>,
): Record<string, string> {
  return {
    ...settings.parameters,
    DataRetentionDays: String(settings.retentionDays),
    ...flags,
  };
}

/**
 * Checks overrides against the template (names, types, ranges) and returns every value; a bad one
 * is a usage error naming the parameter and its constraint.
 */
export async function validateDeployParameters(
  overrides: Record<string, string>,
  template?: CfnTemplate,
): Promise<Record<string, string>> {
  const { loadTemplate, resolveParameters } = await import('./template.js');
  try {
    return resolveParameters(template ?? (await loadTemplate()), overrides);
  } catch (error) {
    throw new UsageError((error as Error).message, {
      hint: 'See `streamproc deploy --help`; parameters are set with --parameter Name=Value.',
      code: 'BAD_PARAMETER',
    });
  }
}

/**
 * The stack settings after a successful deploy with these flag parameters: they are kept for the
 * next deploy. `DataRetentionDays` goes to `retentionDays`, which outranks saved parameters.
 */
export function settingsWithFlagParameters(settings: StackSettings, flags: Record<string, string>): StackSettings {
  const { DataRetentionDays: retention, ...rest } = flags;
  const next: StackSettings = { ...settings };
  if (Object.keys(rest).length > 0) next.parameters = { ...settings.parameters, ...rest };
  if (retention !== undefined && retentionProblem(Number(retention)) === undefined)
    next.retentionDays = Number(retention);
  else if (retention !== undefined) next.parameters = { ...next.parameters, DataRetentionDays: retention };
  return next;
}
