// Lambda event filtering for a Kinesis source: which records FilterCriteria lets through (pure).

/**
 * The filter rule syntax of https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 * as it applies to Kinesis (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html):
 * - only the `data` key can be filtered on, and only when the record's data (base64) decodes to
 *   JSON; a record whose data is not JSON matches no `data` pattern;
 * - a pattern's keys must all match (AND); `$or` takes a list of sub-patterns, any of which may match;
 * - a leaf is a list of rules, any of which may match (OR): a value (string, number, boolean),
 *   `null`, `""`, `{"prefix"}`, `{"suffix"}`, `{"equals-ignore-case"}`, `{"anything-but": v | [v…]
 *   | {"prefix"|"suffix"|"equals-ignore-case": s}}`, `{"numeric": [op, n(, op, n)]}`, `{"exists": bool}`;
 * - where the data holds an array, a rule matches when any element matches (arrays of objects
 *   are looked into element by element, as EventBridge flattens them);
 * - up to 5 filters (the default quota), each at most 4096 characters; a record passes when any
 *   filter matches, and is dropped otherwise.
 */

/** Lambda's default quota of filters per event source mapping. */
export const MAX_FILTERS = 5;
/** The longest pattern a Filter may hold (AWS::Lambda::EventSourceMapping Filter.Pattern). */
export const MAX_PATTERN_LENGTH = 4096;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PatternObject = { [key: string]: unknown };

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

export class FilterPatternError extends Error {
  override name = 'FilterPatternError';
}

const isObject = (value: unknown): value is PatternObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(message: string): never {
  throw new FilterPatternError(message);
}

function checkNumeric(spec: unknown, where: string): void {
  if (!Array.isArray(spec) || (spec.length !== 2 && spec.length !== 4))
    fail(`${where}: "numeric" takes [operator, number] or [operator, number, operator, number]`);
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const n = spec[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPERATORS.has(op))
      fail(`${where}: numeric operator ${JSON.stringify(op)} is not one of =, <, <=, >, >=`);
    if (typeof n !== 'number' || !Number.isFinite(n))
      fail(`${where}: numeric operand ${JSON.stringify(n)} is not a number`);
  }
  if (spec.length === 4) {
    const [low, , high] = spec as string[];
    if (!(low === '>' || low === '>=') || !(high === '<' || high === '<='))
      fail(`${where}: a numeric range is a lower bound (> or >=) then an upper bound (< or <=)`);
  }
}

function checkRule(rule: unknown, where: string): void {
  if (rule === null || typeof rule === 'string' || typeof rule === 'boolean') return;
  if (typeof rule === 'number') {
    if (!Number.isFinite(rule)) fail(`${where}: ${rule} is not a number JSON can hold`);
    return;
  }
  if (!isObject(rule))
    fail(`${where}: a rule is a value or an object such as {"prefix": "…"}, not ${JSON.stringify(rule)}`);
  const keys = Object.keys(rule);
  if (keys.length !== 1) fail(`${where}: a rule object has exactly one operator, got ${keys.join(', ') || 'none'}`);
  const [operator] = keys as [string];
  const operand = rule[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof operand !== 'string') fail(`${where}: "${operator}" takes a string`);
      return;
    case 'exists':
      if (typeof operand !== 'boolean') fail(`${where}: "exists" takes true or false`);
      return;
    case 'numeric':
      checkNumeric(operand, where);
      return;
    case 'anything-but': {
      if (isObject(operand)) {
        const inner = Object.keys(operand);
        const [kind] = inner;
        if (inner.length !== 1 || !kind || !['prefix', 'suffix', 'equals-ignore-case'].includes(kind))
          fail(`${where}: "anything-but" takes a value, a list, or {"prefix"|"suffix"|"equals-ignore-case": "…"}`);
        if (typeof operand[kind] !== 'string') fail(`${where}: "anything-but" ${kind} takes a string`);
        return;
      }
      const values = Array.isArray(operand) ? operand : [operand];
      if (values.length === 0) fail(`${where}: "anything-but" needs at least one value`);
      for (const value of values)
        if (typeof value !== 'string' && typeof value !== 'number')
          fail(`${where}: "anything-but" values are strings or numbers`);
      return;
    }
    default:
      fail(
        `${where}: unknown operator "${operator}" (Lambda takes prefix, suffix, equals-ignore-case, anything-but, numeric, exists)`,
      );
  }
}

function checkPatternObject(pattern: unknown, where: string): void {
  if (!isObject(pattern)) fail(`${where} must be an object`);
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(`${where} is empty`);
  for (const key of keys) {
    const value = pattern[key];
    const at = `${where}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) fail(`${at} takes a list of at least two patterns`);
      for (const [i, sub] of value.entries()) checkPatternObject(sub, `${at}[${i}]`);
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail(`${at} is an empty list of rules (it could never match)`);
      for (const rule of value) checkRule(rule, at);
    } else if (isObject(value)) {
      checkPatternObject(value, at);
    } else {
      fail(`${at} must be a list of rules (e.g. ["value"]) or a nested pattern, not ${JSON.stringify(value)}`);
    }
  }
}

/** The top level may hold `data` (the only key Kinesis filters on) or `$or` of such patterns. */
function checkTopLevel(pattern: unknown): void {
  if (!isObject(pattern)) fail('a filter pattern must be a JSON object such as {"data": {"lang": ["en"]}}');
  for (const key of Object.keys(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(pattern[key])) fail('pattern.$or takes a list of at least two patterns');
      for (const sub of pattern[key] as unknown[]) checkTopLevel(sub);
    } else if (key !== 'data') {
      fail(`a Kinesis filter can only look at the "data" key, not "${key}"`);
    }
  }
  checkPatternObject(pattern, 'pattern');
}

/**
 * Why this FilterCriteria pattern string would be refused, or undefined when it is valid: the
 * checks Lambda makes when the mapping is created (JSON object, known operators, the `data` key).
 */
export function filterPatternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `the pattern is ${pattern.length} characters, more than Lambda's ${MAX_PATTERN_LENGTH}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(pattern);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  try {
    checkTopLevel(parsed);
  } catch (error) {
    if (error instanceof FilterPatternError) return error.message;
    throw error;
  }
  return undefined;
}

/** The values at one key of every node, arrays flattened: what a rule under that key is tried against. */
function valuesAt(nodes: readonly Json[], key: string): Json[] {
  const out: Json[] = [];
  const add = (value: Json): void => {
    if (Array.isArray(value)) for (const element of value) add(element);
    else out.push(value);
  };
  for (const node of nodes) {
    if (isObject(node) && Object.hasOwn(node, key)) add(node[key] as Json);
  }
  return out;
}

function equalsValue(expected: unknown, value: Json): boolean {
  return expected === value;
}

function compare(op: string, value: number, operand: number): boolean {
  switch (op) {
    case '=':
      return value === operand;
    case '<':
      return value < operand;
    case '<=':
      return value <= operand;
    case '>':
      return value > operand;
    default:
      return value >= operand;
  }
}

function matchesRule(rule: unknown, value: Json): boolean {
  if (!isObject(rule)) return equalsValue(rule, value);
  const [operator] = Object.keys(rule) as [string];
  const operand = rule[operator];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(operand as string);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(operand as string);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (operand as string).toLowerCase();
    case 'numeric': {
      if (typeof value !== 'number') return false;
      const spec = operand as (string | number)[];
      for (let i = 0; i < spec.length; i += 2)
        if (!compare(spec[i] as string, value, spec[i + 1] as number)) return false;
      return true;
    }
    case 'anything-but': {
      if (isObject(operand)) {
        if (typeof value !== 'string') return false;
        return !matchesRule(operand, value);
      }
      if (value === null || typeof value === 'object') return false;
      const excluded = Array.isArray(operand) ? operand : [operand];
      return !excluded.some((candidate) => equalsValue(candidate, value));
    }
    default:
      // `exists` is decided on the whole key in matchesRules.
      return false;
  }
}

function matchesRules(rules: readonly unknown[], values: readonly Json[]): boolean {
  return rules.some((rule) => {
    if (isObject(rule) && Object.hasOwn(rule, 'exists')) return values.length > 0 === rule.exists;
    return values.some((value) => matchesRule(rule, value));
  });
}

function matchesPattern(pattern: PatternObject, nodes: readonly Json[]): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') return (sub as PatternObject[]).some((alternative) => matchesPattern(alternative, nodes));
    const values = valuesAt(nodes, key);
    return Array.isArray(sub) ? matchesRules(sub, values) : matchesPattern(sub as PatternObject, values);
  });
}

/** Decides for one record's base64 data whether the mapping delivers it. */
export type RecordFilter = (dataBase64: string) => boolean;

/**
 * The filter for a mapping's FilterCriteria patterns (each already valid, see filterPatternProblem):
 * with no patterns every record passes; otherwise a record passes when any pattern matches.
 */
export function compileRecordFilter(patterns: readonly string[]): RecordFilter {
  if (patterns.length === 0) return () => true;
  const parsed = patterns.map((pattern) => JSON.parse(pattern) as PatternObject);
  return (dataBase64) => {
    let data: Json;
    try {
      data = JSON.parse(Buffer.from(dataBase64, 'base64').toString('utf8')) as Json;
    } catch {
      // "If the data is not valid JSON, no data pattern matches" (with-kinesis-filtering).
      return false;
    }
    return parsed.some((pattern) => matchesPattern(pattern, [{ data }]));
  };
}
