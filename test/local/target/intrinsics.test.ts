/** The CloudFormation intrinsics the local target evaluates, and what it refuses. */
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateConditions, type IntrinsicContext } from '../../../src/local/target/intrinsics.js';

function context(overrides: Partial<IntrinsicContext> = {}): IntrinsicContext {
  return {
    parameters: { ShardCount: '2', Flag: 'true' },
    pseudo: { 'AWS::StackName': 'demo', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '000000000000' },
    refs: { EventStream: 'demo-EventStream' },
    attributes: { 'EventStream.Arn': 'arn:aws:kinesis:us-east-1:000000000000:stream/demo-EventStream' },
    conditions: { On: true, Off: false },
    ...overrides,
  };
}

describe('evaluate', () => {
  it('resolves Ref to parameters, pseudo parameters and resources', () => {
    // Prepare
    const ctx = context();
    // Act
    const value = evaluate({ a: { Ref: 'ShardCount' }, b: { Ref: 'AWS::Region' }, c: { Ref: 'EventStream' } }, ctx);
    // Assess
    expect(value).toEqual({ a: '2', b: 'us-east-1', c: 'demo-EventStream' });
  });

  it('substitutes Fn::Sub variables, attributes, local variables and keeps escaped literals', () => {
    const value = evaluate(
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template.
        'Fn::Sub': ['${AWS::StackName}-x ${EventStream.Arn} ${Local} ${!Literal}', { Local: { Ref: 'ShardCount' } }],
      },
      context(),
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal Fn::Sub leaves in place.
    expect(value).toBe('demo-x arn:aws:kinesis:us-east-1:000000000000:stream/demo-EventStream 2 ${Literal}');
  });

  it('accepts Fn::GetAtt in list and dotted form', () => {
    const ctx = context();
    expect(evaluate({ 'Fn::GetAtt': ['EventStream', 'Arn'] }, ctx)).toMatch(/stream\/demo-EventStream$/);
    expect(evaluate({ 'Fn::GetAtt': 'EventStream.Arn' }, ctx)).toMatch(/stream\/demo-EventStream$/);
  });

  it('picks the Fn::If branch by condition and drops AWS::NoValue', () => {
    const value = evaluate(
      {
        keep: { 'Fn::If': ['On', 'yes', 'no'] },
        gone: { 'Fn::If': ['Off', 'x', { Ref: 'AWS::NoValue' }] },
        list: [1, { 'Fn::If': ['Off', 2, { Ref: 'AWS::NoValue' }] }],
      },
      context(),
    );
    expect(value).toEqual({ keep: 'yes', list: [1] });
  });

  it('throws naming what it cannot resolve', () => {
    expect(() => evaluate({ Ref: 'Nope' }, context())).toThrow(/Ref Nope/);
    expect(() => evaluate({ 'Fn::GetAtt': ['Role', 'Arn'] }, context())).toThrow(/Role\.Arn/);
    expect(() => evaluate({ 'Fn::ImportValue': 'x' }, context())).toThrow(/not supported/);
  });
});

describe('evaluateConditions', () => {
  it('evaluates conditions that refer to other conditions, in any order', () => {
    // Prepare
    const conditions = {
      Both: { 'Fn::And': [{ Condition: 'IsOn' }, { 'Fn::Not': [{ Condition: 'IsOff' }] }] },
      IsOn: { 'Fn::Equals': [{ Ref: 'Flag' }, 'true'] },
      IsOff: { 'Fn::Equals': [{ Ref: 'Flag' }, 'false'] },
    };
    // Act
    const result = evaluateConditions(conditions, context());
    // Assess
    expect(result).toEqual({ Both: true, IsOn: true, IsOff: false });
  });

  it('rejects a cycle', () => {
    expect(() => evaluateConditions({ A: { Condition: 'B' }, B: { Condition: 'A' } }, context())).toThrow(
      /refer to each other/,
    );
  });
});
