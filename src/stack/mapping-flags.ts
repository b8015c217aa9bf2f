// Deploy's event source mapping flags (--filter, --starting-position, --starting-timestamp, --enable/--disable-mapping) as template parameters.

import { UsageError } from '../errors.js';
import { filterPatternProblem, MAX_FILTERS } from '../local/mapping/event-filter.js';

/**
 * Both targets get these through the template's parameters: FilterPattern1..5 (one per Lambda
 * filter; the template sets FilterCriteria only when one is non-empty), StartingPosition,
 * StartingPositionTimestamp (epoch seconds) and MappingEnabled. `--filter` replaces every saved
 * pattern; `--clear-filters` removes them all.
 */

export interface MappingFlags {
  /** JSON filter patterns, e.g. {"data":{"lang":["en"]}} (at most 5). */
  filter?: readonly string[];
  clearFilters?: boolean;
  startingPosition?: string;
  /** ISO-8601; implies AT_TIMESTAMP. */
  startingTimestamp?: string;
  enableMapping?: boolean;
  disableMapping?: boolean;
}

export const FILTER_PARAMETERS = [
  'FilterPattern1',
  'FilterPattern2',
  'FilterPattern3',
  'FilterPattern4',
  'FilterPattern5',
];

const FILTER_HINT = `Pass each pattern as JSON, e.g. --filter '{"data":{"lang":["en"]}}' (see https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html).`;

/** Why a filter pattern would be refused, in deploy's words; undefined when valid. */
function checkPattern(pattern: string, where: string): void {
  const problem = filterPatternProblem(pattern);
  if (problem)
    throw new UsageError(`${where} ${pattern.slice(0, 80)}: ${problem}`, { hint: FILTER_HINT, code: 'BAD_FILTER' });
}

/** The template parameters these flags set (only for flags given). */
export function mappingFlagParameters(flags: MappingFlags, nowMs: number = Date.now()): Record<string, string> {
  const params: Record<string, string> = {};
  const filters = flags.filter ?? [];
  if (filters.length > 0 && flags.clearFilters)
    throw new UsageError('--filter and --clear-filters contradict each other', { hint: 'Pass only one of them.' });
  if (filters.length > MAX_FILTERS) {
    throw new UsageError(`${filters.length} --filter patterns: Lambda takes at most ${MAX_FILTERS}`, {
      hint: 'A record is delivered when ANY pattern matches; combine values in one pattern, e.g. {"data":{"lang":["en","de"]}}.',
      code: 'BAD_FILTER',
    });
  }
  for (const pattern of filters) checkPattern(pattern, '--filter');
  if (filters.length > 0 || flags.clearFilters)
    FILTER_PARAMETERS.forEach((name, i) => {
      params[name] = filters[i] ?? '';
    });

  if (flags.startingTimestamp !== undefined) {
    const ms = Date.parse(flags.startingTimestamp);
    if (!/^\d{4}-\d{2}-\d{2}/.test(flags.startingTimestamp) || Number.isNaN(ms)) {
      throw new UsageError(`--starting-timestamp ${flags.startingTimestamp} is not an ISO-8601 time`, {
        hint: 'For example --starting-timestamp 2026-01-31T12:00:00Z.',
      });
    }
    if (ms > nowMs) {
      throw new UsageError(`--starting-timestamp ${flags.startingTimestamp} is in the future`, {
        hint: 'Lambda refuses a StartingPositionTimestamp in the future; use LATEST to read only new records.',
      });
    }
    if (flags.startingPosition !== undefined && flags.startingPosition !== 'AT_TIMESTAMP') {
      throw new UsageError(
        `--starting-timestamp needs --starting-position AT_TIMESTAMP, not ${flags.startingPosition}`,
        {
          hint: 'Leave out --starting-position (the timestamp implies AT_TIMESTAMP).',
        },
      );
    }
    params.StartingPosition = 'AT_TIMESTAMP';
    params.StartingPositionTimestamp = String(ms / 1000);
  } else if (flags.startingPosition !== undefined) {
    params.StartingPosition = flags.startingPosition;
  }

  if (flags.enableMapping && flags.disableMapping)
    throw new UsageError('--enable-mapping and --disable-mapping contradict each other', {
      hint: 'Pass only one of them.',
    });
  if (flags.enableMapping) params.MappingEnabled = 'true';
  if (flags.disableMapping) params.MappingEnabled = 'false';
  return params;
}

/**
 * Checks on the resolved values that the template cannot express: every filter pattern is one
 * Lambda accepts (also when set with --parameter), and AT_TIMESTAMP has its timestamp.
 */
export function checkMappingParameters(values: Record<string, string>): void {
  for (const name of FILTER_PARAMETERS) {
    const pattern = values[name];
    if (pattern) checkPattern(pattern, name);
  }
  if (values.StartingPosition === 'AT_TIMESTAMP' && !values.StartingPositionTimestamp) {
    throw new UsageError('StartingPosition AT_TIMESTAMP needs a StartingPositionTimestamp', {
      hint: 'Pass --starting-timestamp with an ISO-8601 time, e.g. 2026-01-31T12:00:00Z.',
      code: 'BAD_PARAMETER',
    });
  }
}

/** The named flags' parameters over `--parameter` ones; the same parameter set both ways must agree. */
export function withMappingParameters(
  params: Record<string, string>,
  mapping: Record<string, string>,
): Record<string, string> {
  for (const [name, value] of Object.entries(mapping)) {
    if (params[name] !== undefined && params[name] !== value) {
      throw new UsageError(`--parameter ${name}=${params[name]} contradicts the flag that sets ${name} to ${value}`, {
        hint: 'Pass only one of them.',
        code: 'BAD_PARAMETER',
      });
    }
  }
  return { ...params, ...mapping };
}
