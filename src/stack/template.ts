/**
 * The bundled CloudFormation template (`templates/stream-processing.yaml`): where it is, its raw
 * text for CloudFormation, a parsed form with every short-form intrinsic (`!Ref`, `!Sub`, …)
 * turned into its long JSON form, and validation of parameter values against its definitions, so
 * that deploy (AWS) and the local engine read one source of truth.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CollectionTag, parseDocument, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { packageRoot } from '../package-root.js';

export interface CfnParameter {
  Type: string;
  Default?: string | number;
  Description?: string;
  AllowedValues?: Array<string | number>;
  AllowedPattern?: string;
  ConstraintDescription?: string;
  MinValue?: number;
  MaxValue?: number;
  MinLength?: number;
  MaxLength?: number;
  NoEcho?: boolean;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

export interface CfnOutput {
  Value: unknown;
  Description?: string;
  Condition?: string;
  Export?: { Name: unknown };
}

export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Metadata?: Record<string, unknown>;
  Parameters: Record<string, CfnParameter>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

export const TEMPLATE_FILE = 'stream-processing.yaml';

/** Absolute path of the bundled template. */
export function templatePath(): string {
  return join(packageRoot(), 'templates', TEMPLATE_FILE);
}

/** The template text exactly as CloudFormation should receive it. */
export async function templateBody(path: string = templatePath()): Promise<string> {
  return readFile(path, 'utf8');
}

/** Parses and returns the template with intrinsic functions in long form (`{ Ref: x }`, `{ 'Fn::Sub': … }`). */
export async function loadTemplate(path: string = templatePath()): Promise<CfnTemplate> {
  return parseTemplate(await templateBody(path), path);
}

/** Parses template text; `source` only names the file in error messages. */
export function parseTemplate(text: string, source = 'template'): CfnTemplate {
  const doc = parseDocument(text, { customTags: CFN_TAGS, prettyErrors: true });
  // Warnings include unknown tags, which would silently become plain strings: treat them as errors.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new Error(`Invalid template ${source}: ${problems.map((p) => p.message).join('; ')}`);
  }
  const value: unknown = doc.toJS();
  if (!isRecord(value) || !isRecord(value.Resources)) {
    throw new Error(`Invalid template ${source}: expected a mapping with a Resources section`);
  }
  return { ...value, Parameters: isRecord(value.Parameters) ? value.Parameters : {} } as CfnTemplate;
}

/** Every parameter's default, as the strings CloudFormation takes. Parameters without one are absent. */
export function parameterDefaults(template: CfnTemplate): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters)) {
    if (parameter.Default !== undefined) defaults[name] = String(parameter.Default);
  }
  return defaults;
}

/**
 * Defaults overlaid with `overrides`, each override checked against its parameter's definition
 * (name, Number type, AllowedValues, MinValue/MaxValue, MinLength/MaxLength, AllowedPattern and the
 * template's `Metadata.Streamproc.ExcludedRanges`). Throws an Error naming the parameter and the
 * constraint. Parameters with neither default nor override are absent; see {@link missingParameters}.
 */
export function resolveParameters(
  template: CfnTemplate,
  overrides: Record<string, string | number | boolean>,
): Record<string, string> {
  const values = parameterDefaults(template);
  for (const [name, raw] of Object.entries(overrides)) {
    const parameter = template.Parameters[name];
    if (!parameter) {
      const known = Object.keys(template.Parameters).join(', ');
      throw new Error(`Unknown template parameter "${name}"; known parameters: ${known}`);
    }
    const value = String(raw);
    const problem = parameterProblem(parameter, value) ?? excludedRangeProblem(template, name, value);
    if (problem) {
      const hint = parameter.ConstraintDescription ? ` (${parameter.ConstraintDescription})` : '';
      throw new Error(`Invalid value "${value}" for parameter ${name}: ${problem}${hint}`);
    }
    values[name] = value;
  }
  return values;
}

/** Names of parameters that have no value in `values` and no default (CloudFormation would reject the stack). */
export function missingParameters(template: CfnTemplate, values: Record<string, string>): string[] {
  return Object.entries(template.Parameters)
    .filter(([name, parameter]) => values[name] === undefined && parameter.Default === undefined)
    .map(([name]) => name);
}

function parameterProblem(parameter: CfnParameter, value: string): string | undefined {
  if (parameter.AllowedValues && !parameter.AllowedValues.map(String).includes(value)) {
    return `must be one of ${parameter.AllowedValues.join(', ')}`;
  }
  if (parameter.Type === 'Number') {
    if (!/^-?\d+(\.\d+)?$/.test(value.trim())) return 'must be a number';
    const n = Number(value);
    if (parameter.MinValue !== undefined && n < parameter.MinValue) return `must be at least ${parameter.MinValue}`;
    if (parameter.MaxValue !== undefined && n > parameter.MaxValue) return `must be at most ${parameter.MaxValue}`;
    return undefined;
  }
  if (parameter.MinLength !== undefined && value.length < parameter.MinLength) {
    return `must be at least ${parameter.MinLength} characters`;
  }
  if (parameter.MaxLength !== undefined && value.length > parameter.MaxLength) {
    return `must be at most ${parameter.MaxLength} characters`;
  }
  // CloudFormation matches AllowedPattern against the whole value.
  if (parameter.AllowedPattern !== undefined && !new RegExp(`^(?:${parameter.AllowedPattern})$`).test(value)) {
    return `must match ${parameter.AllowedPattern}`;
  }
  return undefined;
}

/** Gaps inside MinValue..MaxValue that CloudFormation cannot express but AWS rejects. */
function excludedRangeProblem(template: CfnTemplate, name: string, value: string): string | undefined {
  const streamproc = template.Metadata?.Streamproc;
  const ranges = isRecord(streamproc) ? streamproc.ExcludedRanges : undefined;
  const range = isRecord(ranges) ? ranges[name] : undefined;
  if (!isRecord(range) || typeof range.Min !== 'number' || typeof range.Max !== 'number') return undefined;
  const n = Number(value);
  if (n < range.Min || n > range.Max) return undefined;
  return typeof range.Reason === 'string' ? range.Reason : `must not be between ${range.Min} and ${range.Max}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Kind = 'scalar' | 'seq' | 'map';

/** Short-form functions, the long-form key each maps to, and which YAML node kinds each accepts. */
const FUNCTIONS: Array<[short: string, long: string, kinds: Kind[]]> = [
  ['Ref', 'Ref', ['scalar']],
  ['Condition', 'Condition', ['scalar']],
  ['Sub', 'Fn::Sub', ['scalar', 'seq']],
  ['GetAtt', 'Fn::GetAtt', ['scalar', 'seq']],
  ['If', 'Fn::If', ['seq']],
  ['Equals', 'Fn::Equals', ['seq']],
  ['Not', 'Fn::Not', ['seq']],
  ['And', 'Fn::And', ['seq']],
  ['Or', 'Fn::Or', ['seq']],
  ['Join', 'Fn::Join', ['seq']],
  ['Select', 'Fn::Select', ['seq']],
  ['Split', 'Fn::Split', ['seq']],
  ['FindInMap', 'Fn::FindInMap', ['seq']],
  ['Cidr', 'Fn::Cidr', ['seq']],
  ['Base64', 'Fn::Base64', ['scalar', 'map']],
  ['GetAZs', 'Fn::GetAZs', ['scalar', 'map']],
  ['ImportValue', 'Fn::ImportValue', ['scalar', 'map']],
  ['Transform', 'Fn::Transform', ['map']],
];

function scalarValue(short: string, value: string): unknown {
  if (short !== 'GetAtt') return value;
  // `!GetAtt A.B.C` is `[A, 'B.C']`: only the first dot separates the logical id (nested stack outputs).
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

function buildTags(): Array<ScalarTag | CollectionTag> {
  const tags: Array<ScalarTag | CollectionTag> = [];
  for (const [short, long, kinds] of FUNCTIONS) {
    for (const kind of kinds) {
      if (kind === 'scalar') {
        tags.push({ tag: `!${short}`, resolve: (value: string) => ({ [long]: scalarValue(short, value) }) });
      } else {
        tags.push({
          tag: `!${short}`,
          collection: kind,
          // Nested short forms are already resolved; toJSON turns the node into plain data.
          resolve: (node: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [long]: node.toJSON() }),
        } as CollectionTag);
      }
    }
  }
  return tags;
}

const CFN_TAGS = buildTags();
