/**
 * Which Kinesis failures are worth retrying. Throttling and service-side failures pass; a
 * missing stream, bad credentials or a malformed request will fail the same way every time.
 */
import type { PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';

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

/** A failed request in a few words for the retry reason: the error's name and HTTP status. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  // A socket error is a plain Error: its code (ECONNREFUSED) and message say what happened, its name does not.
  const name = e.name && e.name !== 'Error' ? e.name : (e.code ?? e.name ?? 'Error');
  const message = name === e.code && e.message && !e.message.includes(name) ? `: ${e.message}` : '';
  return `${name}${status ? ` (HTTP ${status})` : ''}${message}`;
}

/** What a PutRecords response means for each record of the batch that was sent. */
export interface SortedPutResults<T> {
  /** Set when the response does not line up with the batch: retry the whole batch for this reason. */
  mismatch?: string;
  ok: T[];
  /** Failed with a code a later attempt can fix (throttling, internal failure). */
  again: T[];
  /** Failed with a code that will fail the same way every time. */
  lost: T[];
  /** The first retryable code, or the last non-retryable `code: message`. */
  reason: string;
}

/** Sorts a batch by its PutRecords results, entry by entry (results come back in request order). */
export function sortPutRecordsResults<T>(
  batch: readonly T[],
  output: Pick<PutRecordsCommandOutput, 'Records' | 'FailedRecordCount'>,
): SortedPutResults<T> {
  const results = output.Records;
  if (!results || results.length !== batch.length) {
    return {
      mismatch: `PutRecords answered ${results?.length ?? 0} results for ${batch.length} records`,
      ok: [],
      again: [],
      lost: [],
      reason: '',
    };
  }
  if (!output.FailedRecordCount) return { ok: [...batch], again: [], lost: [], reason: '' };
  const sorted: SortedPutResults<T> = { ok: [], again: [], lost: [], reason: '' };
  for (let i = 0; i < batch.length; i += 1) {
    const record = batch[i] as T;
    const code = results[i]?.ErrorCode;
    if (!code) sorted.ok.push(record);
    else if (isRetryableEntryError(code)) {
      sorted.again.push(record);
      sorted.reason ||= code;
    } else {
      sorted.lost.push(record);
      sorted.reason = `${code}: ${results[i]?.ErrorMessage ?? ''}`;
    }
  }
  return sorted;
}
