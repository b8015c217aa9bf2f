/**
 * Lambda entry point (`index.handler` in the bundle). The DynamoDB client is created once per
 * container, on first use, so that configuration errors surface as function errors with a clear
 * message and warm invocations reuse the client's keep-alive connections.
 */
import { readProcessorConfig } from './config.js';
import { createDynamoDbClient, type DynamoDbClient } from './dynamodb-client.js';
import { createHandler, type ProcessorHandler } from './handler.js';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, LambdaContext } from './types.js';

export { createHandler, type ProcessorHandler, type ProcessorOptions } from './handler.js';
export type * from './types.js';

let processor: ProcessorHandler | undefined;

/**
 * The client the processor writes with. Region and credentials come from the environment (the
 * Lambda role's, or the local engine's dummies); `endpoint` overrides where requests go.
 */
export function createProcessorClient(endpoint?: string, env: NodeJS.ProcessEnv = process.env): DynamoDbClient {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is not set (Lambda sets it)');
  return createDynamoDbClient({
    region,
    endpoint: endpoint ?? (env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined),
  });
}

function processorFromEnvironment(): ProcessorHandler {
  const config = readProcessorConfig(process.env);
  const client = createProcessorClient(config.endpoint);
  return createHandler({
    client,
    tableName: config.tableName,
    retentionDays: config.retentionDays,
    concurrency: config.concurrency,
    logLevel: config.logLevel,
  });
}

export async function handler(event: KinesisStreamEvent, context: LambdaContext): Promise<KinesisStreamBatchResponse> {
  processor ??= processorFromEnvironment();
  return processor(event, context);
}
