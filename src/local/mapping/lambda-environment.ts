// The environment variables a function's execution environment gets, as on Lambda.

import { basename, dirname, extname } from 'node:path';
import type { FunctionConfig } from './settings.js';

/**
 * Lambda's reserved environment variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
 * over the function's own. Nothing of the engine's environment leaks in but PATH: on AWS a
 * function sees none of the deployer's variables either, and the credentials are dummies the
 * emulators accept.
 */
export function lambdaEnvironment(fn: FunctionConfig, logStreamName: string): Record<string, string> {
  return {
    ...fn.environment,
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: dirname(fn.bundlePath),
    _HANDLER: `${basename(fn.bundlePath, extname(fn.bundlePath))}.${fn.handler ?? 'handler'}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
