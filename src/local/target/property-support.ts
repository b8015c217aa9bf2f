// Which event source mapping and function properties the local engine applies, stands in for, or ignores.

/**
 * Nothing in the template is silently ignored: a property of the mapping or the function is
 * either applied by the engine, replaced by a local stand-in (listed, with what stands in), or
 * not applied at all (listed and warned about by deploy). Pure: it sees property names only.
 */

import type { PropertyNote } from '../engine/protocol.js';

export type { PropertyNote };

export interface PropertySupport {
  /** Properties with no local effect: deploy warns about each. */
  ignored: PropertyNote[];
  /** Properties the engine replaces with a local equivalent (documented in the README). */
  substituted: PropertyNote[];
}

/** CreateEventSourceMapping properties the runner applies for a Kinesis source. */
const MAPPING_APPLIED = new Set([
  'EventSourceArn',
  'FunctionName',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'StartingPosition',
  'StartingPositionTimestamp',
  'Enabled',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'FunctionResponseTypes',
  'FilterCriteria',
  'DestinationConfig',
  'ParallelizationFactor',
  'TumblingWindowInSeconds',
]);

const MAPPING_REASONS: Record<string, string> = {
  MetricsConfig: 'no CloudWatch metrics locally (the engine log has mapping progress lines)',
  KmsKeyArn: 'filter criteria are not encrypted locally',
  ProvisionedPollerConfig: 'the engine runs one poller per shard, not provisioned pollers',
  ScalingConfig: 'applies to SQS sources only',
  LoggingConfig: 'event source mapping logs are not produced locally (the engine log has its own events)',
};

const MAPPING_STAND_INS: Record<string, string> = {
  Tags: 'metadata only: no effect on what runs',
};

/** CreateFunction properties the engine applies to the local function. */
const FUNCTION_APPLIED = new Set(['FunctionName', 'Handler', 'Code', 'Environment', 'Timeout', 'MemorySize']);

const FUNCTION_REASONS: Record<string, string> = {
  ReservedConcurrentExecutions:
    'the engine runs one execution environment per shard and concurrent batch (ParallelizationFactor), without a concurrency limit',
  DeadLetterConfig: 'applies to asynchronous invocations only; the mapping invokes synchronously',
  VpcConfig: 'the local function runs on this machine’s network',
  Layers: 'layers are not loaded locally; bundle what the handler needs',
  EphemeralStorage: '/tmp is this machine’s',
  TracingConfig: 'no X-Ray locally',
  FileSystemConfigs: 'no EFS locally',
  KmsKeyArn: 'environment variables are not encrypted locally',
  SnapStart: 'no SnapStart locally',
  ImageConfig: 'container images are not run locally',
  PackageType: 'the engine runs the zip bundle only',
  CodeSigningConfigArn: 'code signing is not checked locally',
  RuntimeManagementConfig: 'the engine runs on its own Node.js',
  RecursiveLoop: 'recursive loop detection is not emulated',
};

const FUNCTION_STAND_INS: Record<string, string> = {
  Runtime: 'runs on the engine’s own Node.js',
  Architectures: 'runs on this machine’s architecture',
  Role: 'IAM is not emulated: the function runs with the engine’s access to the local table',
  LoggingConfig: 'function logs go to the engine log',
  Description: 'metadata only: no effect on what runs',
  Tags: 'metadata only: no effect on what runs',
};

function classify(
  logicalId: string,
  type: string,
  properties: readonly string[],
  applied: ReadonlySet<string>,
  standIns: Record<string, string>,
  reasons: Record<string, string>,
  out: PropertySupport,
): void {
  for (const property of properties) {
    if (applied.has(property)) continue;
    const standIn = standIns[property];
    if (standIn) out.substituted.push({ logicalId, type, property, reason: standIn });
    else
      out.ignored.push({
        logicalId,
        type,
        property,
        reason: reasons[property] ?? 'not implemented by the local engine',
      });
  }
}

/** Sorts the properties a template sets on the mapping and the function (those present after conditions). */
export function propertySupport(
  mapping: { logicalId: string; properties: readonly string[] },
  fn: { logicalId: string; properties: readonly string[] },
): PropertySupport {
  const out: PropertySupport = { ignored: [], substituted: [] };
  classify(
    mapping.logicalId,
    'AWS::Lambda::EventSourceMapping',
    mapping.properties,
    MAPPING_APPLIED,
    MAPPING_STAND_INS,
    MAPPING_REASONS,
    out,
  );
  classify(
    fn.logicalId,
    'AWS::Lambda::Function',
    fn.properties,
    FUNCTION_APPLIED,
    FUNCTION_STAND_INS,
    FUNCTION_REASONS,
    out,
  );
  return out;
}
