import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient, DynamoDbError, defaultEndpoint } from '../../../lambda/processor/dynamodb-client.js';
import { isRetryable } from '../../../lambda/processor/writer.js';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.js';

const credentials = () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' });

/** A server that answers every request with a scripted status and body, and keeps the last request. */
async function scriptedServer(status: number, body: string) {
  const seen: { headers?: http.IncomingHttpHeaders; body?: string } = {};
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.headers = request.headers;
      seen.body = Buffer.concat(chunks).toString('utf8');
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const write = (table: string) => ({
  input: { RequestItems: { [table]: [{ PutRequest: { Item: { pk: { S: 'a' }, sk: { S: 'b' } } } }] } },
});

describe('the processor DynamoDB client', () => {
  let db: DynaliteHandle;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db.close();
  });

  it('signs BatchWriteItem with SigV4, including the session token, as JSON 1.0', async () => {
    const server = await scriptedServer(200, '{"UnprocessedItems":{}}');
    const client = createDynamoDbClient({ region: 'eu-west-1', endpoint: server.endpoint, credentials });
    try {
      const output = await client.send(write('T'));

      expect(output.UnprocessedItems).toEqual({});
      expect(output.$metadata).toMatchObject({ httpStatusCode: 200, requestId: 'req-1' });
      expect(server.seen.headers?.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/,
      );
      expect(server.seen.headers?.['x-amz-security-token']).toBe('session-token');
      expect(server.seen.headers?.['x-amz-target']).toBe('DynamoDB_20120810.BatchWriteItem');
      expect(JSON.parse(server.seen.body ?? '')).toEqual(write('T').input);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('names DynamoDB errors as the SDK does, so the writer knows which to retry', async () => {
    const missing = await db.writer.send(write('no-such-table')).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(DynamoDbError);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    expect(isRetryable(missing)).toBe(false);

    const throttled = await scriptedServer(
      400,
      '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Rate exceeded"}',
    );
    const broken = await scriptedServer(503, '<html>Service Unavailable</html>');
    const viaThrottled = createDynamoDbClient({ region: 'us-east-1', endpoint: throttled.endpoint, credentials });
    const viaBroken = createDynamoDbClient({ region: 'us-east-1', endpoint: broken.endpoint, credentials });
    try {
      const rate = await viaThrottled.send(write('T')).catch((error: unknown) => error);
      const down = await viaBroken.send(write('T')).catch((error: unknown) => error);
      expect(rate).toMatchObject({ name: 'ProvisionedThroughputExceededException', message: 'Rate exceeded' });
      expect(isRetryable(rate)).toBe(true);
      expect(down).toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 503 } });
      expect(isRetryable(down)).toBe(true);
    } finally {
      viaThrottled.destroy();
      viaBroken.destroy();
      await throttled.close();
      await broken.close();
    }
  });

  it('stops at the deadline: an aborted request is an AbortError the writer does not retry', async () => {
    const slow = http.createServer(() => {}); // never answers
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', () => resolve()));
    const endpoint = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const client = createDynamoDbClient({ region: 'us-east-1', endpoint, credentials });
    try {
      const error = await client.send(write('T'), { abortSignal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      expect(isRetryable(error)).toBe(false);
    } finally {
      client.destroy();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('a refused connection is a network error the writer retries', async () => {
    const client = createDynamoDbClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials });
    try {
      const error = await client.send(write('T')).catch((e: unknown) => e);
      expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(isRetryable(error)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('uses the regional endpoint of the partition', () => {
    expect(defaultEndpoint('us-east-1')).toBe('https://dynamodb.us-east-1.amazonaws.com');
    expect(defaultEndpoint('cn-north-1')).toBe('https://dynamodb.cn-north-1.amazonaws.com.cn');
  });
});
