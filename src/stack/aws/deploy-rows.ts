/** What a finished AWS deploy reports: resource rows for the result table and the console link. */
import type { Stack } from '@aws-sdk/client-cloudformation';
import type { StagedObject } from './assets.js';
import type { AwsContext } from './preflight.js';

/** What a deploy leaves running, as rows for the command's two-column table. */
export function deployRows(input: {
  stack: Stack;
  outputs: Record<string, string>;
  values: Record<string, string>;
  ctx: AwsContext;
  staged: StagedObject;
}): { name: string; value: string }[] {
  const { stack, outputs, values, ctx, staged } = input;
  const shards = Number(values.ShardCount ?? 1);
  const rows: { name: string; value: string }[] = [
    { name: 'Stack', value: `${stack.StackName} (${stack.StackStatus})` },
    { name: 'Account / region', value: `${ctx.account} / ${ctx.region}` },
    {
      name: 'Stream',
      value: `${outputs.StreamName} (${shards} shard${shards === 1 ? '' : 's'}, ${values.StreamRetentionHours ?? 24} h retention)`,
    },
    { name: 'Table', value: `${outputs.TableName} (on-demand, items kept ${values.DataRetentionDays} days)` },
    {
      name: 'Function',
      value: `${outputs.FunctionName} (${values.MemorySize} MB, ${values.FunctionTimeout} s timeout)`,
    },
    {
      name: 'Mapping',
      value: `batch ${values.BatchSize}, window ${values.MaximumBatchingWindowInSeconds} s, from ${values.StartingPosition}, ${values.MaximumRetryAttempts} retries`,
    },
  ];
  if (outputs.DLQUrl) rows.push({ name: 'Failed batches', value: outputs.DLQUrl });
  if (outputs.ProducerSecretArn) rows.push({ name: 'Producer secret', value: outputs.ProducerSecretArn });
  // The full key is in the JSON details; the table shows enough of the hash to compare.
  const shortKey = staged.key.replace(/([0-9a-f]{12})[0-9a-f]{52}/, '$1…');
  rows.push({
    name: 'Processor code',
    value: `s3://${staged.bucket}/${shortKey}${staged.uploaded ? '' : ' (unchanged)'}`,
  });
  return rows;
}

/** The stack's page in the CloudFormation console. */
export function consoleUrl(region: string, stackId: string): string {
  return `https://${region}.console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/stackinfo?stackId=${encodeURIComponent(stackId)}`;
}
