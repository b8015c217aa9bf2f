/**
 * Which Kinesis failures are worth retrying. Throttling and service-side failures pass; a
 * missing stream, bad credentials or a malformed request will fail the same way every time.
 */

/** Per-entry `ErrorCode`s of a PutRecords response that a later attempt can fix. */
const RETRYABLE_ENTRY_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
  'KMSThrottlingException',
]);

export function isRetryableEntryError(code: string): boolean {
  return RETRYABLE_ENTRY_CODES.has(code);
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottlingException',
  'Throttling',
  'KMSThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'SlowDown',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** Whether a whole PutRecords request that threw should be sent again. */
export function isRetryableRequestError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e?.code && NETWORK_CODES.has(e.code)) return true;
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP status and no known code: the request never got an answer (socket hang up, DNS…).
  return e?.name !== 'CredentialsProviderError' && !/credential/i.test(String((error as Error)?.message));
}

/**
 * Capped exponential back-off with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"): a random wait in [0, min(cap, base·2^attempt)], so that retrying producers
 * spread out instead of hammering a throttled shard in step.
 */
export function backoffDelay(attempt: number, random: () => number, baseMs = 100, capMs = 5_000): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)));
}
