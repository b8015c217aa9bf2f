/**
 * Lambda entry point (`index.handler` in the bundle). The DynamoDB client is created once per
 * container, on first use, so that configuration errors surface as function errors with a clear
 * message and warm invocations reuse the client's keep-alive connections.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readProcessorConfig } from './config.js';
import { createHandler, type ProcessorHandler } from './handler.js';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, LambdaContext } from './types.js';

export { createHandler, type ProcessorHandler, type ProcessorOptions } from './handler.js';
export type * from './types.js';

let processor: ProcessorHandler | undefined;

/**
 * The client the processor writes with. Region and credentials come from the environment (the
 * Lambda role's, or the local engine's dummies); `endpoint` overrides where requests go.
 */
export function createProcessorClient(endpoint?: string): DynamoDBClient {
  return new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    // One retry layer: the handler retries UnprocessedItems and transient errors itself, within
    // the function's remaining time. SDK retries on top would multiply attempts and delays.
    maxAttempts: 1,
    // HTTP/1.1 with keep-alive; the emulators used locally do not speak HTTP/2.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000 }),
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
