/**
 * The template's FilterCriteria, StartingPosition AT_TIMESTAMP and Enabled reach the local mapping,
 * and every mapping or function property the engine does not apply is named
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html).
 */
import { describe, expect, it } from 'vitest';
import { primaryMapping } from '../../../src/local/engine/pipeline-shape.js';
import { localPipelineSpec } from '../../../src/local/target/pipeline-spec.js';
import { propertySupport } from '../../../src/local/target/property-support.js';
import { type CfnTemplate, loadTemplate, resolveParameters } from '../../../src/stack/template.js';

async function spec(overrides: Record<string, string> = {}, edit?: (template: CfnTemplate) => void) {
  const template = await loadTemplate();
  edit?.(template);
  return localPipelineSpec(template, {
    stack: 'demo',
    region: 'us-east-1',
    parameters: resolveParameters(template, overrides),
    failureFile: '/data/mapping/failures.jsonl',
    logFile: '/data/engine.log',
  });
}

describe('template → local mapping settings', () => {
  it('without filter parameters the mapping has no FilterCriteria, starts at TRIM_HORIZON and is enabled', async () => {
    const { settings } = primaryMapping(await spec());
    expect(settings.filterPatterns).toBeUndefined();
    expect(settings.startingPosition).toBe('TRIM_HORIZON');
    expect(settings.startingPositionTimestamp).toBeUndefined();
    expect(settings.enabled).toBe(true);
  });

  it('FilterPattern1..5 become FilterCriteria.Filters, the empty ones left out', async () => {
    const en = '{"data":{"lang":["en"]}}';
    const de = '{"data":{"lang":["de"]}}';
    const { settings } = primaryMapping(await spec({ FilterPattern1: en, FilterPattern3: de }));
    expect(settings.filterPatterns).toEqual([en, de]);
  });

  it('AT_TIMESTAMP carries StartingPositionTimestamp; MappingEnabled=false disables the mapping', async () => {
    const { settings } = primaryMapping(
      await spec({
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: '1767225600.5',
        MappingEnabled: 'false',
      }),
    );
    expect(settings).toMatchObject({
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: 1767225600.5,
      enabled: false,
    });
  });

  it('a timestamp without AT_TIMESTAMP is left out, as the template leaves it out', async () => {
    const { settings } = primaryMapping(await spec({ StartingPositionTimestamp: '1767225600' }));
    expect(settings.startingPositionTimestamp).toBeUndefined();
  });
});

describe('properties the local engine does not apply', () => {
  it('the bundled template: no mapping property is ignored; the function’s stand-ins are listed', async () => {
    const pipeline = await spec();
    expect(pipeline.ignoredProperties).toEqual([]);
    expect(pipeline.substitutedProperties?.map((p) => p.property).sort()).toEqual(
      ['Architectures', 'Description', 'LoggingConfig', 'Role', 'Runtime'].sort(),
    );
  });

  it('names a mapping or function property added to the template that the engine does not implement', async () => {
    const pipeline = await spec({}, (template) => {
      const mapping = template.Resources.EventSourceMapping as { Properties: Record<string, unknown> };
      mapping.Properties.MetricsConfig = { Metrics: ['EventCount'] };
      mapping.Properties.KmsKeyArn = 'arn:aws:kms:us-east-1:111122223333:key/x';
      const fn = template.Resources.EventProcessorFunction as { Properties: Record<string, unknown> };
      fn.Properties.ReservedConcurrentExecutions = 5;
      // Conditioned away: not set, so not reported.
      fn.Properties.Layers = { 'Fn::If': ['CreateProducer', ['arn:layer'], { Ref: 'AWS::NoValue' }] };
    });
    expect(pipeline.ignoredProperties?.map((p) => `${p.logicalId}.${p.property}`)).toEqual([
      'EventSourceMapping.MetricsConfig',
      'EventSourceMapping.KmsKeyArn',
      'EventProcessorFunction.ReservedConcurrentExecutions',
    ]);
    expect(pipeline.ignoredProperties?.[0]?.reason).toMatch(/CloudWatch/);
  });

  it('treats ParallelizationFactor and TumblingWindowInSeconds as implemented; unknown ones still ignored', () => {
    const support = propertySupport(
      {
        logicalId: 'M',
        properties: ['ParallelizationFactor', 'TumblingWindowInSeconds', 'FilterCriteria', 'SomethingNew'],
      },
      { logicalId: 'F', properties: ['Handler', 'Tags'] },
    );
    expect(support.ignored).toEqual([
      {
        logicalId: 'M',
        type: 'AWS::Lambda::EventSourceMapping',
        property: 'SomethingNew',
        reason: 'not implemented by the local engine',
      },
    ]);
    expect(support.substituted.map((p) => p.property)).toEqual(['Tags']);
  });
});
