/** The bundled template translated into what the local engine provisions. */
import { describe, expect, it } from 'vitest';
import { resourceName } from '../../../src/config/stack-name.js';
import { primaryFunction, primaryMapping } from '../../../src/local/engine/pipeline-shape.js';
import { localPipelineSpec } from '../../../src/local/target/pipeline-spec.js';
import { loadTemplate, resolveParameters } from '../../../src/stack/template.js';

async function spec(overrides: Record<string, string> = {}, stack = 'demo') {
  const template = await loadTemplate();
  return localPipelineSpec(template, {
    stack,
    region: 'us-east-1',
    parameters: resolveParameters(template, overrides),
    failureFile: '/data/mapping/failures.jsonl',
    logFile: '/data/engine.log',
  });
}

describe('localPipelineSpec (the bundled template)', () => {
  it('derives the stream, table and function names the CLI expects', async () => {
    const pipeline = await spec();
    expect(pipeline.stream.name).toBe(resourceName('demo', 'stream'));
    expect(pipeline.table.name).toBe(resourceName('demo', 'table'));
    expect(primaryFunction(pipeline).name).toBe(resourceName('demo', 'function'));
  });

  it('takes shard count, retention, function and mapping settings from the parameters', async () => {
    // Act
    const pipeline = await spec({
      ParallelizationFactor: '4',
      TumblingWindowInSeconds: '60',
      ShardCount: '3',
      StreamRetentionHours: '48',
      BatchSize: '50',
      MaximumBatchingWindowInSeconds: '2',
      MaximumRetryAttempts: '2',
      BisectBatchOnFunctionError: 'false',
      StartingPosition: 'LATEST',
      MemorySize: '512',
      FunctionTimeout: '10',
      DataRetentionDays: '7',
      LogLevel: 'debug',
    });
    // Assess
    expect(pipeline.stream).toMatchObject({ shardCount: 3, retentionHours: 48 });
    expect(primaryFunction(pipeline)).toMatchObject({ handler: 'index.handler', timeoutSeconds: 10, memoryMb: 512 });
    expect(primaryFunction(pipeline).environment).toMatchObject({
      TABLE_NAME: 'demo-EventData',
      RETENTION_DAYS: '7',
      LOG_LEVEL: 'debug',
    });
    expect(primaryMapping(pipeline).settings).toEqual({
      parallelizationFactor: 4,
      tumblingWindowInSeconds: 60,
      batchSize: 50,
      maximumBatchingWindowInSeconds: 2,
      startingPosition: 'LATEST',
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: 2,
      maximumRecordAgeInSeconds: 86400,
      functionResponseTypes: ['ReportBatchItemFailures'],
      enabled: true,
    });
    expect(primaryMapping(pipeline).failureFile).toBe('/data/mapping/failures.jsonl');
  });

  it('builds the table with its keys, the ByTime index and the TTL attribute', async () => {
    const { table } = await spec();
    expect(table.keySchema.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    expect(table.globalSecondaryIndexes.map((g) => g.IndexName)).toEqual(['ByTime']);
    expect(table.billingMode).toBe('PAY_PER_REQUEST');
    expect(table.ttlAttribute).toBe('expiresAt');
  });

  it('lists what it does not emulate, with reasons, and the producer identity only when asked for', async () => {
    // Act
    const plain = await spec();
    const withProducer = await spec({ CreateProducerIdentity: 'true' });
    // Assess
    const types = (p: typeof plain) => p.skipped.map((s) => s.type).sort();
    expect(types(plain)).toEqual(['AWS::IAM::Role', 'AWS::Logs::LogGroup', 'AWS::SQS::Queue']);
    expect(plain.skipped.find((s) => s.type === 'AWS::SQS::Queue')?.reason).toBe(
      'on-failure records go to /data/mapping/failures.jsonl',
    );
    expect(types(withProducer)).toEqual(
      [...types(plain), 'AWS::IAM::AccessKey', 'AWS::IAM::User', 'AWS::SecretsManager::Secret'].sort(),
    );
  });

  it('evaluates the outputs it can; the DLQ URL points at the failure file', async () => {
    const { outputs } = await spec();
    expect(outputs).toMatchObject({
      StreamName: 'demo-EventStream',
      StreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/demo-EventStream',
      TableName: 'demo-EventData',
      FunctionName: 'demo-DDBEventProcessor',
      DLQUrl: 'file:///data/mapping/failures.jsonl',
      Region: 'us-east-1',
    });
  });
});

describe('localPipelineSpec with a second consumer', () => {
  it('has one function and one mapping without ConsumerCodeS3Key, as before', async () => {
    const pipeline = await spec();
    expect(pipeline.functions.map((f) => f.logicalId)).toEqual(['EventProcessorFunction']);
    expect(pipeline.mappings.map((m) => [m.logicalId, m.functionLogicalId, m.streamLogicalId])).toEqual([
      ['EventSourceMapping', 'EventProcessorFunction', 'EventStream'],
    ]);
  });

  it('adds the consumer function and its own mapping on the same stream, with its own settings', async () => {
    // Act
    const pipeline = await spec({
      ConsumerCodeS3Key: 'local/abc',
      ConsumerBatchSize: '7',
      ConsumerStartingPosition: 'LATEST',
      BatchSize: '50',
    });
    // Assess
    expect(pipeline.functions.map((f) => [f.logicalId, f.name, f.codeParameter])).toEqual([
      ['EventProcessorFunction', 'demo-DDBEventProcessor', 'CodeS3Key'],
      ['ConsumerFunction', 'demo-Consumer', 'ConsumerCodeS3Key'],
    ]);
    expect(primaryMapping(pipeline).settings).toMatchObject({ batchSize: 50, startingPosition: 'TRIM_HORIZON' });
    const second = pipeline.mappings.find((m) => m.logicalId === 'ConsumerEventSourceMapping');
    expect(second).toMatchObject({
      functionLogicalId: 'ConsumerFunction',
      streamLogicalId: 'EventStream',
      failureFile: '/data/mapping/failures.jsonl',
      settings: { batchSize: 7, startingPosition: 'LATEST', enabled: true, parallelizationFactor: 1 },
    });
    expect(pipeline.skipped.map((s) => s.logicalId)).toEqual(
      expect.arrayContaining(['ConsumerRole', 'ConsumerLogGroup']),
    );
  });
});
