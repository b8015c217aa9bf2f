/**
 * The processor's DynamoDB client: BatchWriteItem over HTTPS (or HTTP for a local endpoint),
 * signed with SigV4 by `aws4`, on keep-alive connections.
 *
 * Why not the AWS SDK client: the processor makes exactly one call, and the SDK's generic
 * serialisation, middleware and signing cost ~1 ms of CPU per 25-item request — more than the
 * handler's own work on the items — which a Lambda pays for on every batch. A plain JSON body
 * signed by a small, widely used signer costs a fraction of that, and the bundle no longer depends
 * on the SDK version the Lambda runtime happens to ship. Retries stay in the writer.
 */
import http from 'node:http';
import https from 'node:https';
import type { BatchWriteItemCommandInput, BatchWriteItemCommandOutput } from '@aws-sdk/client-dynamodb';
import aws4 from 'aws4';

export interface DynamoDbCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface DynamoDbClientOptions {
  region: string;
  /** Endpoint URL (local emulator, proxy, VPC endpoint); default `https://dynamodb.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Read on every request, so rotated credentials are picked up; default: the Lambda environment's. */
  credentials?: () => DynamoDbCredentials;
  /** Sockets kept open per client (default 50). */
  maxSockets?: number;
  /** Milliseconds to establish a connection before the request fails (default 2,000). */
  connectTimeoutMs?: number;
}

/** What the writer sends: `{ input }` with the BatchWriteItem input, as in the SDK's command. */
export interface BatchWriteRequest {
  input: BatchWriteItemCommandInput;
}

/** An error DynamoDB answered with, named like the SDK names it (`ProvisionedThroughputExceededException`, …). */
export class DynamoDbError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: 'client' | 'server';

  constructor(name: string, message: string, status: number, requestId?: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status, requestId };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

function environmentCredentials(): DynamoDbCredentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function role)');
  }
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined };
}

/** The regional endpoint, following the partition's DNS suffix. */
export function defaultEndpoint(region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://dynamodb.${region}.${suffix}`;
}

/** `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"…"}` → an error. */
function errorFrom(status: number, body: string, requestId: string | undefined): DynamoDbError {
  let type = '';
  let message = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { __type?: string; message?: string; Message?: string };
    type = parsed.__type ?? '';
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // Not JSON (a proxy's error page): keep the text.
  }
  const name = type.slice(type.lastIndexOf('#') + 1) || (status >= 500 ? 'InternalServerError' : `Http${status}`);
  return new DynamoDbError(name, message || `HTTP ${status}`, status, requestId);
}

export function createDynamoDbClient(options: DynamoDbClientOptions) {
  const url = new URL(options.endpoint ?? defaultEndpoint(options.region));
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 50 });
  const credentials = options.credentials ?? environmentCredentials;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;

  return {
    send(command: BatchWriteRequest, sendOptions: { abortSignal?: AbortSignal } = {}) {
      const body = JSON.stringify(command.input);
      const signed = aws4.sign(
        {
          host: url.host,
          path: url.pathname || '/',
          method: 'POST',
          service: 'dynamodb',
          region: options.region,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.BatchWriteItem',
          },
          body,
        },
        credentials(),
      );
      return new Promise<BatchWriteItemCommandOutput>((resolve, reject) => {
        const request = transport.request(
          {
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port || undefined,
            path: signed.path,
            method: 'POST',
            headers: signed.headers as http.OutgoingHttpHeaders,
            agent,
            signal: sendOptions.abortSignal,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const status = response.statusCode ?? 0;
              const requestId = response.headers['x-amzn-requestid'] as string | undefined;
              if (status !== 200) return reject(errorFrom(status, text, requestId));
              try {
                const output = JSON.parse(text) as BatchWriteItemCommandOutput;
                resolve({ ...output, $metadata: { httpStatusCode: status, requestId } });
              } catch {
                reject(
                  new DynamoDbError('InternalServerError', 'DynamoDB answered with a body that is not JSON', status),
                );
              }
            });
          },
        );
        // A connection that cannot be made quickly is a network error the writer retries.
        request.setTimeout(connectTimeoutMs, () => {
          if (!request.reusedSocket)
            request.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
        });
        request.on('socket', (socket) => {
          socket.once(secure ? 'secureConnect' : 'connect', () => request.setTimeout(0));
        });
        request.on('error', reject);
        request.end(body);
      });
    },
    destroy(): void {
      agent.destroy();
    },
  };
}

export type DynamoDbClient = ReturnType<typeof createDynamoDbClient>;
