/**
 * Gathers `status` figures on the AWS target: the stack from CloudFormation, then CloudWatch metrics,
 * the event source mapping, the DLQ, the table's description (never a Scan) and the stream's
 * summary, in parallel. A call that is refused degrades that figure to "unknown (AccessDenied on
 * …)"; only missing or expired credentials stop the whole command.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import {
  configuredEndpoint,
  createCloudFormationClient,
  createCloudWatchClient,
  createDynamoDbClient,
  createKinesisClient,
  createLambdaClient,
  createSqsClient,
} from '../aws/clients.js';
import type { ResolvedStack } from '../config/store.js';
import { awsUserError, isExpiredCredentials, isMissingCredentials } from '../stack/aws/errors.js';
import { resolveProfile, resolveRegion } from '../stack/aws/preflight.js';
import { completeOutputs, findStack } from '../stack/aws/stack-state.js';
import { countRejected } from '../stack/rejected-count.js';
import { type MetricFigures, metricQueries, readMetricResults } from './aws-metrics.js';
import {
  type ConsumerFigures,
  isUnknown,
  type Known,
  REJECTED_CAP,
  SERIES_BUCKETS,
  type StatusFigures,
  type Unknown,
} from './figures.js';

export interface AwsGatherOptions {
  stack: ResolvedStack;
  windowMs: number;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

const DENIED =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError|AuthorizationErrorException)$/;

/** Why a call failed, as a figure's "unknown (…)"; credential failures are the whole command's. */
export function unknownFromError(action: string, error: unknown): Unknown {
  if (isMissingCredentials(error) || isExpiredCredentials(error)) throw error;
  const e = (error ?? {}) as { name?: string; Code?: string; message?: string };
  const name = e.name ?? e.Code ?? 'Error';
  if (DENIED.test(name) || DENIED.test(e.Code ?? '')) return { unknown: `AccessDenied on ${action}` };
  const message = (e.message ?? String(error)).split('\n')[0];
  return { unknown: `${name} on ${action}${message && message !== name ? `: ${message}` : ''}` };
}

/** Runs one call; its failure becomes the figure's reason instead of the command's. */
async function figure<T>(action: string, work: () => Promise<T>): Promise<Known<T>> {
  try {
    return await work();
  } catch (error) {
    return unknownFromError(action, error);
  }
}

/** Whether a stack in this CloudFormation status has a pipeline that can run. */
export function stackUsable(status: string): boolean {
  return !/^(CREATE_IN_PROGRESS|CREATE_FAILED|ROLLBACK_|DELETE_|REVIEW_IN_PROGRESS)/.test(status);
}

const pick = <T, R>(value: Known<T>, read: (v: T) => R): Known<R> => (isUnknown(value) ? value : read(value));

export async function gatherAws(options: AwsGatherOptions): Promise<StatusFigures> {
  const env = options.env ?? process.env;
  const { stack } = options;
  const nowMs = (options.now ?? Date.now)();
  const region = resolveRegion(stack.name, stack.settings, env);
  const profile = resolveProfile(stack.settings, env);
  const base = {
    stack: stack.name,
    target: 'aws' as const,
    at: new Date(nowMs).toISOString(),
    windowSeconds: options.windowMs / 1_000,
  };
  const control = { region, profile: stack.settings.profile };
  const cfn = await createCloudFormationClient(control);
  let outputs: Record<string, string>;
  try {
    const found = await findStack(cfn, stack.name).catch((error: unknown) => {
      throw awsUserError(error, { operation: `read stack ${stack.name}`, stack: stack.name, profile }) ?? error;
    });
    if (!found) return { ...base, deployed: false, running: false };
    const status = found.StackStatus ?? 'UNKNOWN';
    if (!stackUsable(status)) {
      return { ...base, deployed: true, running: false, notRunningReason: `stack is ${status}` };
    }
    const account = found.StackId?.split(':')[4] ?? '000000000000';
    outputs = await completeOutputs(cfn as CloudFormationClient, found, { region, account });
  } finally {
    cfn.destroy();
  }
  return gatherResources({ ...options, env, region, profile, outputs, nowMs, base });
}

interface ResourceOptions extends AwsGatherOptions {
  env: NodeJS.ProcessEnv;
  region: string;
  profile?: string;
  outputs: Record<string, string>;
  nowMs: number;
  base: Pick<StatusFigures, 'stack' | 'target' | 'at' | 'windowSeconds'>;
}

async function gatherResources(options: ResourceOptions): Promise<StatusFigures> {
  const { outputs, region, env, nowMs } = options;
  const control = { region, profile: options.stack.settings.profile };
  const data = { region, profile: options.profile };
  const kinesisEndpoint = configuredEndpoint('Kinesis', env);
  const dynamodbEndpoint = configuredEndpoint('DynamoDB', env);
  // An explicit endpoint also makes the SQS client use it rather than the queue URL's host.
  const sqsEndpoint = configuredEndpoint('SQS', env);
  const [kinesis, dynamodb, cloudwatch, lambda, sqs] = await Promise.all([
    createKinesisClient({ ...data, service: kinesisEndpoint ? { endpoint: kinesisEndpoint } : {} }),
    createDynamoDbClient({ ...data, service: dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {} }),
    createCloudWatchClient(control),
    createLambdaClient(control),
    createSqsClient({ ...data, service: sqsEndpoint ? { endpoint: sqsEndpoint } : {} }),
  ]);
  const streamName = outputs.StreamName ?? '';
  const tableName = outputs.TableName ?? '';
  const functionName = outputs.FunctionName ?? '';
  const window = { startMs: nowMs - options.windowMs, endMs: nowMs, buckets: SERIES_BUCKETS };
  try {
    const { DescribeStreamSummaryCommand } = await import('@aws-sdk/client-kinesis');
    const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
    const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
    const { ListEventSourceMappingsCommand } = await import('@aws-sdk/client-lambda');
    const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');

    const queries = metricQueries({ streamName, functionName }, window);
    const period = { StartTime: new Date(window.startMs), EndTime: new Date(window.endMs) };
    const consumerName = outputs.ConsumerFunctionName;
    const streamMapping = (name: string) =>
      figure('lambda:ListEventSourceMappings', async () => {
        const r = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name }));
        const all = r.EventSourceMappings ?? [];
        return all.find((m) => m.EventSourceArn === outputs.StreamArn) ?? all[0] ?? null;
      });
    const [summary, table, metrics, percentiles, mapping, dlq, rejected, consumerMapping] = await Promise.all([
      figure('kinesis:DescribeStreamSummary', async () => {
        const r = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
        return r.StreamDescriptionSummary;
      }),
      figure('dynamodb:DescribeTable', async () => {
        const r = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
        return r.Table;
      }),
      figure('cloudwatch:GetMetricData', async () => {
        const r = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries.flow, ...period }));
        return readMetricResults(r.MetricDataResults ?? [], window);
      }),
      figure('cloudwatch:GetMetricData', async () => {
        const r = await cloudwatch.send(
          new GetMetricDataCommand({ MetricDataQueries: queries.percentiles, ...period }),
        );
        const { p50, p99 } = readMetricResults(r.MetricDataResults ?? [], window);
        return { p50, p99 };
      }),
      streamMapping(functionName),
      outputs.DLQUrl
        ? figure('sqs:GetQueueAttributes', async () => {
            const r = await sqs.send(
              new GetQueueAttributesCommand({
                QueueUrl: outputs.DLQUrl,
                AttributeNames: ['ApproximateNumberOfMessages'],
              }),
            );
            return Number(r.Attributes?.ApproximateNumberOfMessages ?? 0);
          })
        : Promise.resolve<Known<number>>({ unknown: 'the stack has no DLQUrl output' }),
      figure('dynamodb:Query', () =>
        countRejected({ client: dynamodb, tableName, sinceMs: window.startMs, nowMs, cap: REJECTED_CAP }),
      ),
      // The second consumer (deploy --consumer), when the stack has one: its own mapping.
      consumerName ? streamMapping(consumerName) : Promise.resolve(undefined),
    ]);
    return assemble(options, {
      summary,
      table,
      metrics,
      percentiles,
      mapping,
      dlq,
      rejected,
      streamName,
      tableName,
      functionName,
      ...(consumerName && consumerMapping
        ? { consumer: { functionName: consumerName, mapping: consumerMapping } }
        : {}),
    });
  } catch (error) {
    // Only credential failures get here (unknownFromError rethrows them): the command's error.
    throw (
      awsUserError(error, {
        operation: `read stack ${options.stack.name}`,
        stack: options.stack.name,
        profile: options.profile,
      }) ?? error
    );
  } finally {
    for (const client of [kinesis, dynamodb, cloudwatch, lambda, sqs]) client.destroy();
  }
}

interface Gathered {
  summary: Known<{ OpenShardCount?: number; RetentionPeriodHours?: number } | undefined>;
  table: Known<{ ItemCount?: number } | undefined>;
  metrics: Known<MetricFigures>;
  percentiles: Known<{ p50: number | null; p99: number | null }>;
  mapping: Known<EventSourceMappingConfiguration | null>;
  dlq: Known<number>;
  rejected: Known<{ count: number; capped: boolean }>;
  streamName: string;
  tableName: string;
  functionName: string;
  /** The second consumer's function and its mapping, when the stack has one. */
  consumer?: { functionName: string; mapping: Known<EventSourceMappingConfiguration | null> };
}

/**
 * The second consumer's figures on AWS: its mapping's state, batch size and last result. Its
 * CloudWatch metrics are not read (one GetMetricData per function would double the calls), and
 * Lambda publishes no per-mapping record counts: those figures say so.
 */
function consumerFigures(consumer: NonNullable<Gathered['consumer']>): ConsumerFigures {
  const none = { unknown: 'no event source mapping on the consumer' };
  const esm = (read: (m: EventSourceMappingConfiguration) => unknown) =>
    pick(consumer.mapping, (m) => (m === null ? none : (read(m) ?? { unknown: 'not reported' }))) as Known<never>;
  const notRead = { unknown: 'CloudWatch metrics are read for the processor only' };
  return {
    mapping: 'ConsumerEventSourceMapping',
    function: consumer.functionName,
    state: esm((m) => m.State),
    batchSize: esm((m) => m.BatchSize),
    lastProcessingResult: esm((m) => m.LastProcessingResult),
    maxLagMs: notRead,
    recordsBehind: { unknown: 'Kinesis does not report records behind a Lambda mapping' },
    recordsProcessed: { unknown: 'Lambda publishes no records-processed metric' },
    invocations: notRead,
    errors: notRead,
  };
}

/** The figures from what the calls returned (pure). */
export function assemble(options: ResourceOptions, g: Gathered): StatusFigures {
  const windowSeconds = options.windowMs / 1_000;
  const noMapping = { unknown: 'no event source mapping on the function' };
  const esm = (read: (m: EventSourceMappingConfiguration) => unknown) =>
    pick(g.mapping, (m) => (m === null ? noMapping : (read(m) ?? { unknown: 'not reported' }))) as Known<never>;
  return {
    ...options.base,
    deployed: true,
    running: true,
    stream: {
      name: g.streamName,
      shards: pick(g.summary, (s) => s?.OpenShardCount ?? 0),
      retentionHours: pick(g.summary, (s) => s?.RetentionPeriodHours ?? 24),
      recordsInPerSecond: pick(g.metrics, (m) => Math.round((m.recordsIn / windowSeconds) * 100) / 100),
      recordsInSource: 'IncomingRecords',
    },
    mapping: {
      state: esm((m) => m.State),
      batchSize: esm((m) => m.BatchSize),
      batchingWindowSeconds: esm((m) => m.MaximumBatchingWindowInSeconds ?? 0),
      maximumRetryAttempts: esm((m) => m.MaximumRetryAttempts ?? -1),
      lastProcessingResult: esm((m) => m.LastProcessingResult),
      maxLagMs: pick(g.metrics, (m) => m.lagMs),
      recordsProcessed: { unknown: 'Lambda publishes no records-processed metric' },
      shards: [],
    },
    processor: {
      name: g.functionName,
      invocations: pick(g.metrics, (m) => m.invocations),
      errors: pick(g.metrics, (m) => m.errors),
      throttles: pick(g.metrics, (m) => m.throttles),
      durationP50Ms: pick(g.percentiles, (m) => m.p50),
      durationP99Ms: pick(g.percentiles, (m) => m.p99),
    },
    table: {
      name: g.tableName,
      items: pick(g.table, (t) => t?.ItemCount ?? 0),
      itemsApproximate: true,
      rejectedRecently: pick(g.rejected, (r) => r.count),
      ...(!isUnknown(g.rejected) && g.rejected.capped ? { rejectedCapped: true } : {}),
    },
    ...(g.consumer ? { consumers: [consumerFigures(g.consumer)] } : {}),
    failureDestination: { kind: 'sqs', location: options.outputs.DLQUrl ?? 'unknown', failedBatches: g.dlq },
    ...(isUnknown(g.metrics)
      ? {}
      : {
          series: {
            recordsIn: g.metrics.series.recordsIn,
            recordsProcessed: [],
            errors: g.metrics.series.errors,
            lagMs: g.metrics.series.lagMs,
          },
        }),
  };
}
