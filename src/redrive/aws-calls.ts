/** Retrying one AWS call on throttling and service errors, with back-off, until it succeeds or an abort. */
import { backoffDelay, isRetryableRequestError } from '../ingest/put-errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 8. */
  attempts?: number;
  baseMs?: number;
  capMs?: number;
  random?: () => number;
  signal?: AbortSignal;
}

/**
 * Runs `call`, again after a throttling or service error (ProvisionedThroughputExceeded,
 * ThrottlingException, 5xx, a dropped socket) with capped exponential back-off and full jitter;
 * anything else (AccessDenied, a missing stream) is thrown at once, as is the last failure.
 */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryableRequestError(error)) throw error;
      const delay = backoffDelay(attempt, options.random ?? Math.random, options.baseMs ?? 100, options.capMs ?? 5_000);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** The error's name (AccessDeniedException, ReceiptHandleIsInvalid…), as the SDK reports it. */
export function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? 'Error';
}
