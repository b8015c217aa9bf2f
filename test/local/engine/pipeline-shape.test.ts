/** A pipeline.json written by an engine that ran one function and one mapping is read in today's shape. */
import { describe, expect, it } from 'vitest';
import { normalizePipeline, primaryFunction, primaryMapping } from '../../../src/local/engine/pipeline-shape.js';
import type { LocalPipeline } from '../../../src/local/engine/protocol.js';

const settings = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  startingPosition: 'TRIM_HORIZON' as const,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: 5,
  maximumRecordAgeInSeconds: 86400,
  functionResponseTypes: ['ReportBatchItemFailures'],
  enabled: true,
};

describe('normalizePipeline', () => {
  it('turns the single function and mapping into the lists, the mapping naming its function and stream', () => {
    // Prepare: the shape an engine before multiple mappings saved
    const old = {
      stack: 's',
      region: 'us-east-1',
      parameters: {},
      stream: { logicalId: 'EventStream', name: 's-EventStream', shardCount: 1, retentionHours: 24 },
      table: {
        logicalId: 'EventDataTable',
        name: 's-EventData',
        billingMode: 'PAY_PER_REQUEST',
        attributeDefinitions: [],
        keySchema: [],
        globalSecondaryIndexes: [],
      },
      function: {
        logicalId: 'EventProcessorFunction',
        name: 's-DDBEventProcessor',
        handler: 'index.handler',
        environment: {},
        timeoutSeconds: 60,
        memoryMb: 256,
        bundlePath: '/b/x.mjs',
        bundleSha: 'x',
      },
      mapping: { logicalId: 'EventSourceMapping', settings },
      skipped: [],
      outputs: {},
    };
    // Act
    const pipeline = normalizePipeline(old as unknown as LocalPipeline);
    // Assess
    expect(pipeline.functions).toHaveLength(1);
    expect(primaryFunction(pipeline)).toMatchObject({ name: 's-DDBEventProcessor', codeParameter: 'CodeS3Key' });
    expect(primaryMapping(pipeline)).toEqual({
      logicalId: 'EventSourceMapping',
      functionLogicalId: 'EventProcessorFunction',
      streamLogicalId: 'EventStream',
      settings,
    });
    expect('function' in pipeline).toBe(false);
    // Today's shape is returned as it is.
    expect(normalizePipeline(pipeline)).toBe(pipeline);
  });
});
