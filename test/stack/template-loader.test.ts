// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} here is CloudFormation Fn::Sub syntax, not JavaScript.
/** The template loader: short-form intrinsics, locating the file, and parameter validation. */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  loadTemplate,
  missingParameters,
  parameterDefaults,
  parseTemplate,
  resolveParameters,
  templateBody,
  templatePath,
} from '../../src/stack/template.js';

/** Parses `Value: <fragment>` beside an empty Resources section and returns Value in long form. */
function parseValue(fragment: string): unknown {
  const parsed = parseTemplate(`Resources: {}\nValue: ${fragment}\n`) as CfnTemplate & { Value: unknown };
  return parsed.Value;
}

describe('short-form intrinsics', () => {
  it.each([
    ['!Ref Foo', { Ref: 'Foo' }],
    ['!Ref AWS::Region', { Ref: 'AWS::Region' }],
    ['!Condition IsProd', { Condition: 'IsProd' }],
    ["!Sub '${AWS::StackName}-x'", { 'Fn::Sub': '${AWS::StackName}-x' }],
    ["!Sub ['${A}-x', {A: !Ref B}]", { 'Fn::Sub': ['${A}-x', { A: { Ref: 'B' } }] }],
    ['!GetAtt Queue.Arn', { 'Fn::GetAtt': ['Queue', 'Arn'] }],
    ['!GetAtt Nested.Outputs.Name', { 'Fn::GetAtt': ['Nested', 'Outputs.Name'] }],
    ['!GetAtt [Queue, Arn]', { 'Fn::GetAtt': ['Queue', 'Arn'] }],
    ['!If [C, !Ref A, !Ref AWS::NoValue]', { 'Fn::If': ['C', { Ref: 'A' }, { Ref: 'AWS::NoValue' }] }],
    ["!Equals [!Ref P, 'true']", { 'Fn::Equals': [{ Ref: 'P' }, 'true'] }],
    ['!Not [!Condition C]', { 'Fn::Not': [{ Condition: 'C' }] }],
    ['!And [!Condition A, !Condition B]', { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ['!Or [!Condition A, !Condition B]', { 'Fn::Or': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ["!Join ['', [a, !Ref B]]", { 'Fn::Join': ['', ['a', { Ref: 'B' }]] }],
    ["!Select [0, !GetAZs '']", { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    ["!Split [',', 'a,b']", { 'Fn::Split': [',', 'a,b'] }],
    ['!FindInMap [Map, Key, Value]', { 'Fn::FindInMap': ['Map', 'Key', 'Value'] }],
    ["!Base64 'echo hi'", { 'Fn::Base64': 'echo hi' }],
    ["!Base64 {'Fn::Sub': 'x'}", { 'Fn::Base64': { 'Fn::Sub': 'x' } }],
    ['!Cidr [10.0.0.0/16, 6, 5]', { 'Fn::Cidr': ['10.0.0.0/16', 6, 5] }],
    ['!GetAZs {Ref: AWS::Region}', { 'Fn::GetAZs': { Ref: 'AWS::Region' } }],
    ['!ImportValue shared-vpc', { 'Fn::ImportValue': 'shared-vpc' }],
    ["!ImportValue {'Fn::Sub': '${Net}-vpc'}", { 'Fn::ImportValue': { 'Fn::Sub': '${Net}-vpc' } }],
  ])('%s', (fragment, expected) => {
    expect(parseValue(fragment)).toEqual(expected);
  });

  it('resolves block sequences and nesting', () => {
    const text = ['Resources: {}', 'Value: !Join', "  - ''", '  - - a', '    - !GetAtt T.Arn', ''].join('\n');
    expect((parseTemplate(text) as CfnTemplate & { Value: unknown }).Value).toEqual({
      'Fn::Join': ['', ['a', { 'Fn::GetAtt': ['T', 'Arn'] }]],
    });
  });

  it('rejects unknown tags instead of turning them into strings', () => {
    expect(() => parseValue('!Bogus x')).toThrow(/Bogus/);
  });

  it('rejects a document without Resources', () => {
    expect(() => parseTemplate('Parameters: {}\n', 'x.yaml')).toThrow(/x\.yaml.*Resources/);
  });
});

describe('locating the template', () => {
  it('finds templates/stream-processing.yaml under the package root', async () => {
    const path = templatePath();
    expect(isAbsolute(path)).toBe(true);
    expect(path).toMatch(/templates[/\\]stream-processing\.yaml$/);
    expect(await templateBody()).toBe(readFileSync(path, 'utf8'));
  });
});

describe('parameters', () => {
  let template: CfnTemplate;
  beforeAll(async () => {
    template = await loadTemplate();
  });

  it('has the documented defaults', () => {
    expect(parameterDefaults(template)).toEqual({
      ShardCount: '1',
      StreamRetentionHours: '24',
      DataRetentionDays: '30',
      BatchSize: '100',
      MaximumBatchingWindowInSeconds: '0',
      MaximumRetryAttempts: '5',
      MaximumRecordAgeInSeconds: '86400',
      BisectBatchOnFunctionError: 'true',
      ParallelizationFactor: '1',
      StartingPosition: 'TRIM_HORIZON',
      MemorySize: '256',
      FunctionTimeout: '60',
      LogRetentionDays: '14',
      CreateProducerIdentity: 'false',
      ProducerKeySerial: '1',
      LogLevel: 'info',
      FilterPattern1: '',
      FilterPattern2: '',
      FilterPattern3: '',
      FilterPattern4: '',
      FilterPattern5: '',
      MappingEnabled: 'true',
      StartingPositionTimestamp: '',
      TumblingWindowInSeconds: '0',
      // No second consumer unless deploy --consumer sets its key.
      ConsumerCodeS3Key: '',
      ConsumerBatchSize: '100',
      ConsumerStartingPosition: 'LATEST',
    });
    expect(missingParameters(template, parameterDefaults(template))).toEqual(['CodeS3Bucket', 'CodeS3Key']);
  });

  it.each([
    ['ShardCount', 'Number', 1, undefined],
    ['StreamRetentionHours', 'Number', 24, 8760],
    ['BatchSize', 'Number', 1, 10000],
    ['MaximumBatchingWindowInSeconds', 'Number', 0, 300],
    ['MaximumRetryAttempts', 'Number', -1, 10000],
    ['MaximumRecordAgeInSeconds', 'Number', -1, 604800],
    ['ParallelizationFactor', 'Number', 1, 10],
    ['MemorySize', 'Number', 128, 10240],
    ['FunctionTimeout', 'Number', 1, 900],
    ['TumblingWindowInSeconds', 'Number', 0, 900],
  ])('%s is a %s in %s..%s', (name, type, min, max) => {
    const parameter = template.Parameters[name];
    expect(parameter?.Type).toBe(type);
    expect(parameter?.MinValue).toBe(min);
    expect(parameter?.MaxValue).toBe(max);
  });

  it('overlays overrides on defaults as strings', () => {
    const values = resolveParameters(template, {
      BatchSize: 500,
      BisectBatchOnFunctionError: false,
      StartingPosition: 'LATEST',
      CodeS3Bucket: 'my-bucket',
      CodeS3Key: 'processor/abc.zip',
    });
    expect(values).toMatchObject({
      BatchSize: '500',
      BisectBatchOnFunctionError: 'false',
      StartingPosition: 'LATEST',
      ShardCount: '1',
      CodeS3Bucket: 'my-bucket',
    });
    expect(missingParameters(template, values)).toEqual([]);
  });

  it.each([
    [{ Nope: 1 }, /Unknown template parameter "Nope"; known parameters: ShardCount, /],
    [{ BatchSize: 0 }, /parameter BatchSize: must be at least 1/],
    [{ BatchSize: 10001 }, /parameter BatchSize: must be at most 10000/],
    [{ MemorySize: 'lots' }, /"lots" for parameter MemorySize: must be a number/],
    [{ StartingPosition: 'AT_SEQUENCE_NUMBER' }, /StartingPosition: must be one of TRIM_HORIZON, LATEST, AT_TIMESTAMP/],
    [{ LogRetentionDays: 13 }, /LogRetentionDays: must be one of 1, 3, 5/],
    [{ CreateProducerIdentity: 'yes' }, /CreateProducerIdentity: must be one of true, false/],
    [{ MaximumRecordAgeInSeconds: 30 }, /MaximumRecordAgeInSeconds: must be -1 .* \(must be -1 or between 60/],
    [{ CodeS3Bucket: 'ab' }, /CodeS3Bucket: must be at least 3 characters/],
  ])('rejects %o', (overrides, message) => {
    expect(() => resolveParameters(template, overrides)).toThrow(message);
  });

  it.each([-1, 60, 604800])('accepts MaximumRecordAgeInSeconds %d', (age) => {
    expect(resolveParameters(template, { MaximumRecordAgeInSeconds: age }).MaximumRecordAgeInSeconds).toBe(String(age));
  });
});
