/**
 * The template parameters a deploy uses, from lowest to highest precedence: the template's
 * defaults, the stack's saved `parameters`, `DataRetentionDays` from the stack's `retentionDays`,
 * then this invocation's flags; resolved once, by the deploy service, for both targets.
 */
import { retentionProblem, type StackSettings } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { checkMappingParameters } from './mapping-flags.js';
import { type CfnTemplate, missingParameters, resolveParameters } from './template.js';

/** Deploy's named flags and the template parameter each one sets. */
export const PARAMETER_FLAGS = {
  shards: 'ShardCount',
  'batch-size': 'BatchSize',
  'batching-window': 'MaximumBatchingWindowInSeconds',
  memory: 'MemorySize',
  timeout: 'FunctionTimeout',
  'producer-identity': 'CreateProducerIdentity',
  'parallelization-factor': 'ParallelizationFactor',
  'tumbling-window': 'TumblingWindowInSeconds',
  'consumer-batch-size': 'ConsumerBatchSize',
  'consumer-starting-position': 'ConsumerStartingPosition',
} as const;

export type ParameterFlag = keyof typeof PARAMETER_FLAGS;

/** Ranges checked on the flag itself, so that the error names the flag and says what AWS allows. */
const FLAG_RANGES: Partial<Record<ParameterFlag, { min: number; max: number; hint: string }>> = {
  'parallelization-factor': {
    min: 1,
    max: 10,
    hint: 'Lambda runs 1 to 10 concurrent batches per shard; e.g. --parallelization-factor 2.',
  },
  'tumbling-window': {
    min: 0,
    max: 900,
    hint: 'Lambda takes a tumbling window of 0 (off) to 900 seconds; e.g. --tumbling-window 60.',
  },
};

function checkFlagRange(flag: ParameterFlag, value: string | number | boolean): void {
  const range = FLAG_RANGES[flag];
  if (!range) return;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`--${flag} ${value} is out of range: it must be ${range.min} to ${range.max}`, {
      hint: range.hint,
      code: 'BAD_PARAMETER',
    });
  }
}

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
    checkFlagRange(flag, value);
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

/** Parameters deploy sets itself on AWS (the staged code's location): a value given for them is ignored. */
export const DEPLOY_SET_PARAMETERS: readonly string[] = ['CodeS3Bucket', 'CodeS3Key', 'ConsumerCodeS3Key'];

/** Template parameters resolved for one deploy: what both targets receive, checked once. */
export interface ResolvedParameters {
  /** Every parameter with a value (defaults overlaid with the overrides), each checked against the template. */
  values: Record<string, string>;
  /** Overrides of {@link DEPLOY_SET_PARAMETERS} that were dropped: deploy sets those itself. */
  ignored: string[];
}

const PARAMETER_HINT = 'See `streamproc deploy --help`; parameters are set with --parameter Name=Value.';

/**
 * The one place a deploy's parameters are checked against the template (names, types, ranges):
 * a bad value, or a parameter left without a value that deploy does not set itself, is a usage
 * error naming it, before anything is started or created.
 */
export function resolveDeployParameters(template: CfnTemplate, overrides: Record<string, string>): ResolvedParameters {
  const kept: Record<string, string> = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    if (DEPLOY_SET_PARAMETERS.includes(name)) ignored.push(name);
    else kept[name] = value;
  }
  let values: Record<string, string>;
  try {
    values = resolveParameters(template, kept);
  } catch (error) {
    throw new UsageError((error as Error).message, { hint: PARAMETER_HINT, code: 'BAD_PARAMETER' });
  }
  const missing = missingParameters(template, values).filter((name) => !DEPLOY_SET_PARAMETERS.includes(name));
  if (missing.length > 0) {
    throw new UsageError(`Missing template parameters: ${missing.join(', ')}`, {
      hint: `Pass them with --parameter ${missing[0]}=VALUE.`,
      code: 'MISSING_PARAMETER',
    });
  }
  checkMappingParameters(values);
  return { values, ignored };
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
