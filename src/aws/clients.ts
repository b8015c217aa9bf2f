import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { PipelineEndpoints, ServiceEndpoint } from '../stack/target.js';

/**
 * The one place SDK clients are made. The Kinesis client speaks HTTP/2 by default, which the
 * local emulators do not; an HTTP/1.1 handler works everywhere, so every client gets one.
 */

export interface ClientSettings {
  region: string;
  profile?: string;
  service: ServiceEndpoint;
  /** SDK retry attempts; callers that retry themselves pass 1. */
  maxAttempts?: number;
  /** Sockets kept per client; raise it for high-throughput producers. */
  maxSockets?: number;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function commonConfig(settings: ClientSettings) {
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const { Agent } = await import('node:http');
  const { Agent: HttpsAgent } = await import('node:https');
  const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets ?? 50 };
  let credentials: ServiceEndpoint['credentials'] | ReturnType<typeof import('@aws-sdk/credential-providers').fromIni> =
    settings.service.credentials;
  if (!credentials && settings.profile) {
    const { fromIni } = await import('@aws-sdk/credential-providers');
    credentials = fromIni({ profile: settings.profile });
  }
  return {
    region: settings.region,
    credentials,
    endpoint: settings.service.endpoint,
    maxAttempts: settings.maxAttempts,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    }),
  };
}

export async function createKinesisClient(settings: ClientSettings): Promise<KinesisClient> {
  const { KinesisClient } = await import('@aws-sdk/client-kinesis');
  return new KinesisClient(await commonConfig(settings));
}

export async function createDynamoDbClient(settings: ClientSettings): Promise<DynamoDBClient> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  return new DynamoDBClient(await commonConfig(settings));
}

/** Clients for a resolved pipeline (what ingest and browse use). */
export async function pipelineClients(
  endpoints: PipelineEndpoints,
  options: { maxAttempts?: number; maxSockets?: number } = {},
): Promise<{ kinesis: KinesisClient; dynamodb: DynamoDBClient }> {
  const base = { region: endpoints.region, profile: endpoints.profile, ...options };
  const [kinesis, dynamodb] = await Promise.all([
    createKinesisClient({ ...base, service: endpoints.kinesis }),
    createDynamoDbClient({ ...base, service: endpoints.dynamodb }),
  ]);
  return { kinesis, dynamodb };
}
