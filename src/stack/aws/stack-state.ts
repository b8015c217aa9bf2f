/**
 * Reading a stack's state: whether it exists, its status, resources and outputs.
 */
import type { CloudFormationClient, Stack, StackResource } from '@aws-sdk/client-cloudformation';
import { resourceName } from '../../config/stack-name.js';

type Cfn = Pick<CloudFormationClient, 'send'>;

function isMissingStack(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return (
    (e?.name === 'ValidationError' || e?.name === 'ValidationException') && /does not exist/i.test(e.message ?? '')
  );
}

/** The stack, or undefined when there is none (never created, or DELETE_COMPLETE). */
export async function findStack(cfn: Cfn, stack: string): Promise<Stack | undefined> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    const result = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    const found = result.Stacks?.[0];
    return found && found.StackStatus !== 'DELETE_COMPLETE' ? found : undefined;
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
}

/** Status for the monitor; undefined once the stack is gone. */
export async function stackStatus(cfn: Cfn, stack: string): Promise<{ status: string; reason?: string } | undefined> {
  const found = await findStack(cfn, stack);
  return found?.StackStatus ? { status: found.StackStatus, reason: found.StackStatusReason } : undefined;
}

export async function stackResources(cfn: Cfn, stack: string): Promise<StackResource[]> {
  const { DescribeStackResourcesCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    const result = await cfn.send(new DescribeStackResourcesCommand({ StackName: stack }));
    // moto lists resources skipped by a false Condition with an empty logical id.
    return (result.StackResources ?? []).filter((r) => r.LogicalResourceId);
  } catch (error) {
    if (isMissingStack(error)) return [];
    throw error;
  }
}

export function stackParameter(stack: Stack, name: string): string | undefined {
  return stack.Parameters?.find((p) => p.ParameterKey === name)?.ParameterValue;
}

/** Outputs by the template's names; each value a string. */
export function outputsOf(stack: Stack): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}

/**
 * The stack's outputs, completed from its resources when CloudFormation left some out. Real
 * CloudFormation reports every output of a finished stack; emulators (moto after a change set)
 * report none, and ingest and browse still need the names.
 */
export async function completeOutputs(
  cfn: Cfn,
  stack: Stack,
  context: { region: string; account: string },
): Promise<Record<string, string>> {
  const outputs = outputsOf(stack);
  const required = ['StreamName', 'StreamArn', 'TableName', 'FunctionName', 'DLQUrl', 'Region'];
  if (required.every((key) => outputs[key] !== undefined)) return outputs;
  const name = stack.StackName ?? '';
  const physical = new Map(
    (await stackResources(cfn, stack.StackId ?? name)).map((r) => [r.LogicalResourceId, r.PhysicalResourceId]),
  );
  const streamName = outputs.StreamName ?? physical.get('EventStream') ?? resourceName(name, 'stream');
  const derived: Record<string, string | undefined> = {
    StreamName: streamName,
    StreamArn: `arn:aws:kinesis:${context.region}:${context.account}:stream/${streamName}`,
    TableName: physical.get('EventDataTable') ?? resourceName(name, 'table'),
    FunctionName: physical.get('EventProcessorFunction') ?? resourceName(name, 'function'),
    DLQUrl: physical.get('EventProcessorDLQ'),
    Region: context.region,
    ProducerSecretArn: physical.get('ProducerSecret'),
  };
  for (const [key, value] of Object.entries(derived)) {
    if (outputs[key] === undefined && value !== undefined) outputs[key] = value;
  }
  return outputs;
}
