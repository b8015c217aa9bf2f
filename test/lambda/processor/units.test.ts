import { describe, expect, it } from 'vitest';
import { readProcessorConfig } from '../../../lambda/processor/config.js';
import { decodeBase64, shardIdOf } from '../../../lambda/processor/items.js';
import { chunk, isRetryable } from '../../../lambda/processor/writer.js';

describe('processor configuration', () => {
  it('applies defaults when only TABLE_NAME is set', () => {
    expect(readProcessorConfig({ TABLE_NAME: 'demo-EventData' })).toEqual({
      tableName: 'demo-EventData',
      retentionDays: 30,
      logLevel: 'info',
      endpoint: undefined,
      concurrency: 8,
    });
  });

  it('reads every setting', () => {
    const env = {
      TABLE_NAME: 't1',
      RETENTION_DAYS: '1.5',
      LOG_LEVEL: 'DEBUG',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
      WRITE_CONCURRENCY: '16',
    };
    expect(readProcessorConfig(env)).toEqual({
      tableName: 't1',
      retentionDays: 1.5,
      logLevel: 'debug',
      endpoint: 'http://127.0.0.1:4567',
      concurrency: 16,
    });
  });

  it.each([
    [{}, /TABLE_NAME is not set/],
    [{ TABLE_NAME: 't', RETENTION_DAYS: 'forever' }, /RETENTION_DAYS must be a number/],
    [{ TABLE_NAME: 't', RETENTION_DAYS: '0' }, /RETENTION_DAYS/],
    [{ TABLE_NAME: 't', WRITE_CONCURRENCY: '500' }, /WRITE_CONCURRENCY .* at most 64/],
    [{ TABLE_NAME: 't', LOG_LEVEL: 'trace' }, /LOG_LEVEL must be info or debug/],
  ])('refuses %j', (env, message) => {
    expect(() => readProcessorConfig(env)).toThrow(message);
  });
});

describe('record decoding helpers', () => {
  it('decodes base64 and refuses text that is not base64', () => {
    expect(Buffer.from(decodeBase64(Buffer.from('héllo ✓').toString('base64')) as Uint8Array).toString()).toBe(
      'héllo ✓',
    );
    expect(decodeBase64('')?.byteLength).toBe(0);
    for (const bad of ['abc', 'ab!d', 'ab==cd==', 'YW Jj', '=abc']) expect(decodeBase64(bad)).toBeUndefined();
  });

  it('takes the shard id from the event id', () => {
    expect(shardIdOf('shardId-000000000003:49590338271490256608559692538361571095921575989136588898')).toBe(
      'shardId-000000000003',
    );
    expect(shardIdOf(undefined)).toBe('shardId-unknown');
  });
});

describe('write retry policy', () => {
  const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

  it.each([
    ['throttling', named('ProvisionedThroughputExceededException'), true],
    ['request rate', named('ThrottlingException'), true],
    ['5xx', named('InternalServerError', { $metadata: { httpStatusCode: 500 } }), true],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['emulator restarting', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), true],
    ['validation', named('ValidationException', { $metadata: { httpStatusCode: 400 } }), false],
    ['missing table', named('ResourceNotFoundException', { $metadata: { httpStatusCode: 400 } }), false],
    ['deadline abort', named('AbortError'), false],
  ])('%s retryable: %s', (_label, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it('splits into requests of at most 25 items', () => {
    expect(
      chunk(
        Array.from({ length: 51 }, (_, i) => i),
        25,
      ).map((part) => part.length),
    ).toEqual([25, 25, 1]);
  });
});
