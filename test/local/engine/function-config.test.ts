/** The function config the runner gets: Lambda's handler naming, the local endpoints, and the override applied last. */
import { describe, expect, it } from 'vitest';
import { functionConfig } from '../../../src/local/engine/function-config.js';
import type { FunctionSpec } from '../../../src/local/engine/protocol.js';

const spec = (overrides: Partial<FunctionSpec> = {}): FunctionSpec => ({
  logicalId: 'Processor',
  name: 'demo-processor',
  handler: 'index.handler',
  environment: { TABLE_NAME: 'demo-EventData', AWS_REGION: 'template-region' },
  timeoutSeconds: 30,
  memoryMb: 256,
  bundlePath: '/data/function/abc.mjs',
  ...overrides,
});
const runtime = { region: 'eu-west-1', dynamodbEndpoint: 'http://127.0.0.1:4567', extraEnv: {} };

describe('function config', () => {
  it('runs the bundle with the export Lambda names, pointed at the local table', () => {
    const fn = functionConfig(spec({ handler: 'dist/index.process' }), runtime);
    expect(fn).toMatchObject({
      functionName: 'demo-processor',
      bundlePath: '/data/function/abc.mjs',
      handler: 'process',
      timeoutSeconds: 30,
      memoryMb: 256,
      region: 'eu-west-1',
    });
    expect(fn.environment).toEqual({
      TABLE_NAME: 'demo-EventData',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4567',
    });
  });

  it('applies the extra environment last, over the engine’s own variables', () => {
    const fn = functionConfig(spec(), { ...runtime, extraEnv: { DYNAMODB_ENDPOINT: 'http://proxy', EXTRA: '1' } });
    expect(fn.environment.DYNAMODB_ENDPOINT).toBe('http://proxy');
    expect(fn.environment.AWS_ENDPOINT_URL_DYNAMODB).toBe('http://127.0.0.1:4567');
    expect(fn.environment.EXTRA).toBe('1');
  });

  it('refuses a pipeline without a processor bundle', () => {
    expect(() => functionConfig(spec({ bundlePath: undefined }), runtime)).toThrow(
      'the pipeline has no processor bundle',
    );
  });
});
