/**
 * Template → what the local engine provisions. Reads the same CloudFormation template AWS gets,
 * evaluates the intrinsics the emulated resources need, and lists everything else as skipped with
 * the reason, so that nothing in the template is silently ignored.
 */
import type { CfnTemplate } from '../../stack/template.js';
import { LOCAL_ACCOUNT_ID } from '../engine/constants.js';
import type {
  FunctionSpec,
  LocalPipeline,
  MappingSpec,
  SkippedResource,
  StreamSpec,
  TableSpec,
} from '../engine/protocol.js';
import { evaluate, evaluateConditions, type IntrinsicContext, NO_VALUE } from './intrinsics.js';
import { type PropertyNote, propertySupport } from './property-support.js';

export interface PipelineSpecOptions {
  stack: string;
  region: string;
  /** Resolved parameter values (defaults applied). */
  parameters: Record<string, string>;
  failureFile: string;
  logFile: string;
}

const EMULATED = new Set([
  'AWS::Kinesis::Stream',
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
]);

function skipReason(type: string, options: PipelineSpecOptions): string {
  switch (type) {
    case 'AWS::SQS::Queue':
      return `on-failure records go to ${options.failureFile}`;
    case 'AWS::Logs::LogGroup':
      return `function logs go to a rotating file in logs/ beside the engine log ${options.logFile} (read them with \`streamproc logs\`)`;
    case 'AWS::IAM::Role':
      return 'IAM is not emulated: the local function runs with the engine’s access to the local table';
    case 'AWS::IAM::User':
    case 'AWS::IAM::AccessKey':
      return 'IAM is not emulated: the local endpoints accept the dummy credentials from any local client';
    case 'AWS::SecretsManager::Secret':
      return 'Secrets Manager is not emulated: local producers need no credentials';
    default:
      return `${type} is not emulated by the local engine`;
  }
}

function nameOf(
  resource: { Properties?: Record<string, unknown> },
  property: string,
  fallback: string,
  ctx: IntrinsicContext,
) {
  const raw = resource.Properties?.[property];
  return raw === undefined ? fallback : String(evaluate(raw, ctx));
}

function one(template: CfnTemplate, type: string, active: (id: string) => boolean): [string, Record<string, unknown>] {
  const found = Object.entries(template.Resources).filter(([id, r]) => r.Type === type && active(id));
  if (found.length !== 1)
    throw new Error(`the local engine needs exactly one ${type} in the template, found ${found.length}`);
  const [id, resource] = found[0] as [string, { Properties?: Record<string, unknown> }];
  return [id, resource.Properties ?? {}];
}

/** The properties a resource sets once conditions are applied (an Fn::If to AWS::NoValue sets none). */
function presentProperties(props: Record<string, unknown>, ctx: IntrinsicContext): string[] {
  return Object.keys(props).filter((key) => {
    try {
      return evaluate(props[key], ctx) !== NO_VALUE;
    } catch {
      // A value the engine cannot evaluate (a Ref to code it does not use) is still set.
      return true;
    }
  });
}

/** FilterCriteria.Filters[].Pattern, as CreateEventSourceMapping takes them. */
function filterPatterns(criteria: unknown): string[] {
  const filters = (criteria as { Filters?: { Pattern?: unknown }[] } | undefined)?.Filters ?? [];
  return filters.map((filter) => String(filter.Pattern ?? '')).filter((pattern) => pattern !== '');
}

const num = (v: unknown, fallback?: number): number => {
  if (v === undefined && fallback !== undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(v)}`);
  return n;
};

/** What the engine should provision for this template and parameter values. */
export function localPipelineSpec(template: CfnTemplate, options: PipelineSpecOptions): LocalPipeline {
  const { stack, region } = options;
  const pseudo = {
    'AWS::StackName': stack,
    'AWS::Region': region,
    'AWS::AccountId': LOCAL_ACCOUNT_ID,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackId': `arn:aws:cloudformation:${region}:${LOCAL_ACCOUNT_ID}:stack/${stack}/local`,
  };
  const base = { parameters: options.parameters, pseudo, refs: {}, attributes: {} };
  const conditions = evaluateConditions(template.Conditions, base);
  const ctx: IntrinsicContext = { ...base, refs: {}, attributes: {}, conditions };
  const active = (id: string) => {
    const condition = template.Resources[id]?.Condition;
    return condition === undefined || conditions[condition] === true;
  };

  // Physical names and ARNs first: the properties below refer to each other through them.
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!active(id)) continue;
    const fallback = `${stack}-${id}`;
    if (resource.Type === 'AWS::Kinesis::Stream') {
      const name = nameOf(resource, 'Name', fallback, ctx);
      ctx.refs[id] = name;
      ctx.attributes[`${id}.Arn`] = arn('kinesis', `stream/${name}`);
    } else if (resource.Type === 'AWS::DynamoDB::Table') {
      const name = nameOf(resource, 'TableName', fallback, ctx);
      ctx.refs[id] = name;
      ctx.attributes[`${id}.Arn`] = arn('dynamodb', `table/${name}`);
    } else if (resource.Type === 'AWS::Lambda::Function') {
      const name = nameOf(resource, 'FunctionName', fallback, ctx);
      ctx.refs[id] = name;
      ctx.attributes[`${id}.Arn`] = arn('lambda', `function:${name}`);
    } else if (resource.Type === 'AWS::SQS::Queue') {
      const name = nameOf(resource, 'QueueName', fallback, ctx);
      // Locally the queue is the failure file: its "URL" says where to look.
      ctx.refs[id] = `file://${options.failureFile}`;
      ctx.attributes[`${id}.Arn`] = arn('sqs', name);
      ctx.attributes[`${id}.QueueName`] = name;
    }
  }

  const [streamId, streamProps] = one(template, 'AWS::Kinesis::Stream', active);
  const stream: StreamSpec = {
    logicalId: streamId,
    name: ctx.refs[streamId] as string,
    shardCount: num(evaluate(streamProps.ShardCount, ctx), 1),
    retentionHours: num(evaluate(streamProps.RetentionPeriodHours, ctx), 24),
  };

  const [tableId, tableProps] = one(template, 'AWS::DynamoDB::Table', active);
  const tp = evaluate(tableProps, ctx) as Record<string, unknown>;
  const ttl = tp.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean | string } | undefined;
  const table: TableSpec = {
    logicalId: tableId,
    name: ctx.refs[tableId] as string,
    billingMode: String(tp.BillingMode ?? 'PROVISIONED'),
    attributeDefinitions: (tp.AttributeDefinitions ?? []) as TableSpec['attributeDefinitions'],
    keySchema: (tp.KeySchema ?? []) as TableSpec['keySchema'],
    globalSecondaryIndexes: ((tp.GlobalSecondaryIndexes ?? []) as TableSpec['globalSecondaryIndexes']).map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
    })),
    ...(ttl?.AttributeName && String(ttl.Enabled) === 'true' ? { ttlAttribute: ttl.AttributeName } : {}),
  };

  const all = (type: string) =>
    Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === type && active(id))
      .map(([id, r]) => [id, (r as { Properties?: Record<string, unknown> }).Properties ?? {}] as const);

  const functionEntries = all('AWS::Lambda::Function');
  if (functionEntries.length === 0) throw new Error('the local engine needs an AWS::Lambda::Function in the template');
  const functions: FunctionSpec[] = functionEntries.map(([functionId, functionProps]) => {
    const variables = evaluate(
      (functionProps.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      ctx,
    );
    const codeKey = (functionProps.Code as { S3Key?: unknown } | undefined)?.S3Key as { Ref?: unknown } | undefined;
    return {
      logicalId: functionId,
      name: ctx.refs[functionId] as string,
      handler: String(evaluate(functionProps.Handler ?? 'index.handler', ctx)),
      environment: Object.fromEntries(
        Object.entries(variables as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      ),
      timeoutSeconds: num(evaluate(functionProps.Timeout, ctx), 3),
      memoryMb: num(evaluate(functionProps.MemorySize, ctx), 128),
      ...(typeof codeKey?.Ref === 'string' ? { codeParameter: codeKey.Ref } : {}),
    };
  });
  // The processor first: the engine's single-mapping figures (status, deploy summary) are its.
  functions.sort((a, b) => Number(b.codeParameter === 'CodeS3Key') - Number(a.codeParameter === 'CodeS3Key'));

  const mappingEntries = all('AWS::Lambda::EventSourceMapping');
  if (mappingEntries.length === 0)
    throw new Error('the local engine needs an AWS::Lambda::EventSourceMapping in the template');
  const mappings: MappingSpec[] = mappingEntries.map(([mappingId, mappingProps]) => {
    const mp = evaluate(mappingProps, ctx) as Record<string, unknown>;
    const destination = (mp.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure
      ?.Destination;
    // FunctionName is a name or an ARN (a Ref or GetAtt of the function); the source is the stream's ARN.
    const target = String(mp.FunctionName ?? '');
    const fn = functions.find((f) => target === f.name || target === ctx.attributes[`${f.logicalId}.Arn`]);
    if (!fn) throw new Error(`${mappingId} FunctionName ${target} is not a function of this template`);
    if (mp.EventSourceArn !== ctx.attributes[`${streamId}.Arn`])
      throw new Error(`${mappingId} EventSourceArn must be the stream ${stream.name} (the engine emulates one stream)`);
    return {
      logicalId: mappingId,
      functionLogicalId: fn.logicalId,
      streamLogicalId: streamId,
      settings: {
        parallelizationFactor: num(mp.ParallelizationFactor, 1),
        tumblingWindowInSeconds: num(mp.TumblingWindowInSeconds, 0),
        batchSize: num(mp.BatchSize, 100),
        maximumBatchingWindowInSeconds: num(mp.MaximumBatchingWindowInSeconds, 0),
        startingPosition: String(mp.StartingPosition ?? 'LATEST') as MappingSpec['settings']['startingPosition'],
        ...(mp.StartingPositionTimestamp !== undefined && mp.StartingPositionTimestamp !== ''
          ? { startingPositionTimestamp: num(mp.StartingPositionTimestamp) }
          : {}),
        ...(mp.FilterCriteria !== undefined ? { filterPatterns: filterPatterns(mp.FilterCriteria) } : {}),
        bisectBatchOnFunctionError: String(mp.BisectBatchOnFunctionError ?? 'false') === 'true',
        maximumRetryAttempts: num(mp.MaximumRetryAttempts, -1),
        maximumRecordAgeInSeconds: num(mp.MaximumRecordAgeInSeconds, -1),
        functionResponseTypes: ((mp.FunctionResponseTypes ?? []) as unknown[]).map(String),
        enabled: String(mp.Enabled ?? 'true') === 'true',
      },
      ...(destination ? { failureFile: options.failureFile } : {}),
    };
  });
  mappings.sort(
    (a, b) =>
      functions.findIndex((f) => f.logicalId === a.functionLogicalId) -
      functions.findIndex((f) => f.logicalId === b.functionLogicalId),
  );

  const ignoredProperties: PropertyNote[] = [];
  const substitutedProperties: PropertyNote[] = [];
  for (const [mappingId, mappingProps] of mappingEntries) {
    const mapping = mappings.find((m) => m.logicalId === mappingId) as MappingSpec;
    const fnProps = functionEntries.find(([id]) => id === mapping.functionLogicalId)?.[1] ?? {};
    const properties = propertySupport(
      { logicalId: mappingId, properties: presentProperties(mappingProps, ctx) },
      { logicalId: mapping.functionLogicalId, properties: presentProperties(fnProps, ctx) },
    );
    ignoredProperties.push(...properties.ignored);
    substitutedProperties.push(...properties.substituted);
  }

  const skipped: SkippedResource[] = Object.entries(template.Resources)
    .filter(([id, r]) => active(id) && !EMULATED.has(r.Type))
    .map(([logicalId, r]) => ({ logicalId, type: r.Type, reason: skipReason(r.Type, options) }));

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition && !conditions[output.Condition]) continue;
    try {
      outputs[name] = String(evaluate(output.Value, ctx));
    } catch {
      // Outputs of resources the engine does not create (the producer secret) have no local value.
    }
  }

  return {
    stack,
    region,
    parameters: { ...options.parameters },
    stream,
    table,
    functions,
    mappings,
    skipped,
    ignoredProperties,
    substitutedProperties,
    outputs,
  };
}
