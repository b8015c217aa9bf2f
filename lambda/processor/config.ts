/** Processor settings from the Lambda environment, validated so a bad deploy fails loudly. */

export type LogLevel = 'info' | 'debug';

export interface ProcessorConfig {
  /** `TABLE_NAME`, required. */
  tableName: string;
  /** `RETENTION_DAYS`, default 30: items expire this long after arrival. */
  retentionDays: number;
  /** `LOG_LEVEL`, `info` (default) or `debug`. */
  logLevel: LogLevel;
  /** `DYNAMODB_ENDPOINT`, for the local engine (else `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`). */
  endpoint: string | undefined;
  /** `WRITE_CONCURRENCY`, default 8: BatchWriteItem requests in flight. */
  concurrency: number;
}

export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_WRITE_CONCURRENCY = 8;

function positiveNumber(env: Record<string, string | undefined>, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`${name} must be a number greater than 0 and at most ${max}, got '${raw}'`);
  }
  return value;
}

export function readProcessorConfig(env: Record<string, string | undefined>): ProcessorConfig {
  const tableName = env.TABLE_NAME?.trim();
  if (!tableName) throw new Error('TABLE_NAME is not set: the processor needs the DynamoDB table to write to');
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (logLevel !== 'info' && logLevel !== 'debug') {
    throw new Error(`LOG_LEVEL must be info or debug, got '${env.LOG_LEVEL}'`);
  }
  return {
    tableName,
    retentionDays: positiveNumber(env, 'RETENTION_DAYS', DEFAULT_RETENTION_DAYS, 36_500),
    logLevel,
    endpoint: env.DYNAMODB_ENDPOINT?.trim() || undefined,
    concurrency: Math.max(1, Math.floor(positiveNumber(env, 'WRITE_CONCURRENCY', DEFAULT_WRITE_CONCURRENCY, 64))),
  };
}
