/** The aws target: deploy, teardown, describe and endpoints of a CloudFormation stack. */
import { configuredEndpoint, createCloudFormationClient, createDynamoDbClient } from '../../aws/clients.js';
import { resourceName } from '../../config/stack-name.js';
import type { ResolvedStack } from '../../config/store.js';
import { UserError } from '../../errors.js';
import type { PipelineEndpoints, StackDescription, StackTarget } from '../../target.js';
import { deployToAws } from './deploy.js';
import { asUserFacing } from './errors.js';
import { resolveProfile, resolveRegion } from './preflight.js';
import type { AwsRunOptions } from './session.js';
import { findStack, stackResources } from './stack-state.js';
import { teardownOnAws } from './teardown.js';

/**
 * The aws target: the pipeline as a CloudFormation stack from templates/stream-processing.yaml.
 * Clients honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, so moto or LocalStack work too.
 */
export function awsTarget(run: AwsRunOptions = {}): StackTarget {
  return {
    deploy: (deploy) => deployToAws(deploy, run),
    teardown: (teardown) => teardownOnAws(teardown, run),
    describe: (stack) => describeOnAws(stack, run),
    endpoints: async (stack) => awsEndpoints(stack, run.env),
  };
}

/** What a teardown would delete: the stack's resources and the table's approximate item count. */
export async function describeOnAws(stack: ResolvedStack, run: AwsRunOptions = {}): Promise<StackDescription> {
  const region = resolveRegion(stack.name, stack.settings, run.env);
  const settings = { region, profile: stack.settings.profile };
  const cfn = await createCloudFormationClient(settings);
  try {
    const found = await findStack(cfn, stack.name);
    if (!found) return { exists: false, resources: [] };
    const resources = await stackResources(cfn, found.StackId ?? stack.name);
    const table = resources.find((r) => r.LogicalResourceId === 'EventDataTable')?.PhysicalResourceId;
    const approximateItems = table ? await approximateItemCount(settings, table) : undefined;
    const lines = [`CloudFormation stack ${stack.name} (${found.StackStatus}) in ${region}`];
    for (const r of resources) {
      const items =
        r.PhysicalResourceId === table && approximateItems !== undefined ? ` (~${approximateItems} items)` : '';
      lines.push(`${r.ResourceType} ${r.PhysicalResourceId ?? r.LogicalResourceId}${items}`);
    }
    lines.push('the staged processor bundles only this stack uses');
    return { exists: true, resources: lines, approximateItems };
  } catch (error) {
    throw asUserFacing(error, {
      operation: `describe stack ${stack.name}`,
      stack: stack.name,
      profile: resolveProfile(stack.settings, run.env),
    });
  } finally {
    cfn.destroy();
  }
}

/** DynamoDB's ItemCount is refreshed about every six hours: an estimate, which is all teardown needs. */
async function approximateItemCount(settings: { region: string; profile?: string }, table: string) {
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const dynamodb = await createDynamoDbClient({ ...settings, service: {} });
  try {
    const described = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    return described.Table?.ItemCount;
  } catch {
    return undefined;
  } finally {
    dynamodb.destroy();
  }
}

function sqsService(env: NodeJS.ProcessEnv) {
  const endpoint = configuredEndpoint('SQS', env);
  return endpoint ? { endpoint } : {};
}

/** Names saved by the last deploy; ingest and browse need nothing else. */
export function awsEndpoints(stack: ResolvedStack, env: NodeJS.ProcessEnv = process.env): PipelineEndpoints {
  const outputs = stack.settings.outputs;
  if (!outputs || Object.keys(outputs).length === 0) {
    throw new UserError(`Stack ${stack.name} is not deployed (no outputs saved)`, {
      hint: `Run \`streamproc deploy --stack ${stack.name}\` first.`,
      code: 'NOT_DEPLOYED',
    });
  }
  const region = stack.settings.region ?? outputs.Region ?? resolveRegion(stack.name, stack.settings, env);
  const kinesis = configuredEndpoint('Kinesis', env);
  const dynamodb = configuredEndpoint('DynamoDB', env);
  return {
    target: 'aws',
    stack: stack.name,
    region,
    profile: resolveProfile(stack.settings, env),
    streamName: outputs.StreamName ?? resourceName(stack.name, 'stream'),
    tableName: outputs.TableName ?? resourceName(stack.name, 'table'),
    kinesis: kinesis ? { endpoint: kinesis } : {},
    dynamodb: dynamodb ? { endpoint: dynamodb } : {},
    ...(outputs.DLQUrl
      ? { failures: { kind: 'sqs' as const, queueUrl: outputs.DLQUrl, service: sqsService(env) } }
      : {}),
  };
}
