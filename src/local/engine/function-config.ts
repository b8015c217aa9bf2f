/**
 * What the mapping runner needs to run the pipeline's function here: the bundle, the export, and
 * the environment Lambda would give it, pointed at the local emulators instead of AWS.
 */
import { LOCAL_CREDENTIALS } from './constants.js';
import type { FunctionSpec } from './protocol.js';

export interface FunctionRuntime {
  region: string;
  /** The DynamoDB emulator the processor writes to. */
  dynamodbEndpoint: string;
  /** Applied last, over the template's variables and the engine's own (see function-env.ts). */
  extraEnv: Record<string, string>;
}

export function functionConfig(spec: FunctionSpec, runtime: FunctionRuntime) {
  if (!spec.bundlePath) throw new Error('the pipeline has no processor bundle');
  const { region, dynamodbEndpoint } = runtime;
  const environment: Record<string, string> = {
    ...spec.environment,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    DYNAMODB_ENDPOINT: dynamodbEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    ...runtime.extraEnv,
  };
  return {
    functionName: spec.name,
    bundlePath: spec.bundlePath,
    // Lambda's "index.handler" names the file and the export; the bundle is the file.
    handler: spec.handler.slice(spec.handler.lastIndexOf('.') + 1),
    environment,
    timeoutSeconds: spec.timeoutSeconds,
    memoryMb: spec.memoryMb,
    region,
  };
}
