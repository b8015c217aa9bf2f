/** The AWS SDK client factory: region, credentials, endpoint overrides, HTTP/1.1 handler, retries. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { PipelineEndpoints, ServiceEndpoint } from '../target.js';

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

export async function createSqsClient(settings: ClientSettings): Promise<import('@aws-sdk/client-sqs').SQSClient> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return new SQSClient(await commonConfig(settings));
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

// Control-plane clients for the aws target (deploy, teardown, describe). They take no endpoint:
// the SDK itself reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (CLOUDFORMATION, S3, STS)
// when no explicit endpoint is configured, which is how tests reach moto.

/** Region, profile and retry settings for the control-plane clients. */
export interface ControlPlaneSettings {
  region: string;
  profile?: string;
  /** SDK retry attempts (default: the SDK's 3). */
  maxAttempts?: number;
  /** Static credentials instead of the profile's chain (the producer identity's key). */
  credentials?: ServiceEndpoint['credentials'];
}

function controlPlaneConfig(settings: ControlPlaneSettings) {
  return commonConfig({ ...settings, service: { credentials: settings.credentials }, maxSockets: 8 });
}

/** The endpoint override the SDK will use for a service, from the standard environment variables. */
export function configuredEndpoint(serviceId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const specific = env[`AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`];
  return specific || env.AWS_ENDPOINT_URL || undefined;
}

export async function createCloudFormationClient(
  settings: ControlPlaneSettings,
): Promise<import('@aws-sdk/client-cloudformation').CloudFormationClient> {
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  return new CloudFormationClient(await controlPlaneConfig(settings));
}

export async function createS3Client(settings: ControlPlaneSettings): Promise<import('@aws-sdk/client-s3').S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  // Emulators and private endpoints have no per-bucket DNS names: address buckets by path there.
  return new S3Client({ ...(await controlPlaneConfig(settings)), forcePathStyle: Boolean(configuredEndpoint('S3')) });
}

export async function createStsClient(
  settings: ControlPlaneSettings,
): Promise<import('@aws-sdk/client-sts').STSClient> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  return new STSClient(await controlPlaneConfig(settings));
}

export async function createCloudWatchClient(
  settings: ControlPlaneSettings,
): Promise<import('@aws-sdk/client-cloudwatch').CloudWatchClient> {
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  return new CloudWatchClient(await controlPlaneConfig(settings));
}

export async function createLambdaClient(
  settings: ControlPlaneSettings,
): Promise<import('@aws-sdk/client-lambda').LambdaClient> {
  const { LambdaClient } = await import('@aws-sdk/client-lambda');
  return new LambdaClient(await controlPlaneConfig(settings));
}

export async function createSecretsManagerClient(
  settings: ControlPlaneSettings,
): Promise<import('@aws-sdk/client-secrets-manager').SecretsManagerClient> {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient(await controlPlaneConfig(settings));
}

/** The function's log group (`logs` on the aws target); AWS_ENDPOINT_URL_CLOUDWATCH_LOGS reaches moto. */
export async function createCloudWatchLogsClient(
  settings: ControlPlaneSettings,
): Promise<import('@aws-sdk/client-cloudwatch-logs').CloudWatchLogsClient> {
  const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
  return new CloudWatchLogsClient(await controlPlaneConfig(settings));
}

/** IAM (`producer rotate` lists and deletes the producer user's access keys); AWS_ENDPOINT_URL_IAM reaches moto. */
export async function createIamClient(
  settings: ControlPlaneSettings,
): Promise<import('@aws-sdk/client-iam').IAMClient> {
  const { IAMClient } = await import('@aws-sdk/client-iam');
  return new IAMClient(await controlPlaneConfig(settings));
}
