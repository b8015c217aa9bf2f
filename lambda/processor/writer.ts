/**
 * Writes prepared items with BatchWriteItem: 25 items per request (the API's cap), a bounded
 * number of requests in flight, and our own retry of UnprocessedItems and transient errors
 * (capped exponential backoff, full jitter) until a deadline. This is the only retry layer, so
 * the handler controls its total time.
 *
 * Request size: DynamoDB caps a request at 16 MB. Items here are bounded by the record contract
 * (MAX_EVENT_BYTES = 64 KiB of JSON per tweet, REJECTED_RAW_MAX_BYTES for rejected payloads), so
 * even with worst-case JSON escaping (6 bytes per character) 25 items stay near 10 MB. Splitting by
 * size is therefore unnecessary; the tests assert it.
 */
import type { BatchWriteItemCommandOutput, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { BatchWriteRequest } from './dynamodb-client.js';
import type { AttributeMap } from './marshall.js';

export const MAX_ITEMS_PER_REQUEST = 25;

/** The one call the processor makes; `createDynamoDbClient` satisfies it, and so can a test double. */
export interface BatchWriteClient {
  send(command: BatchWriteRequest, options?: { abortSignal?: AbortSignal }): Promise<BatchWriteItemCommandOutput>;
}

/** One distinct (pk, sk) of the batch and the records that produced it. */
export interface PendingItem {
  key: string;
  item: AttributeMap;
  /** Indexes into the event's Records; several when a record was duplicated. */
  records: number[];
}

export interface WriterOptions {
  client: BatchWriteClient;
  tableName: string;
  concurrency: number;
  /** Epoch ms after which no new attempt or backoff starts. */
  deadline: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface WriteFailure {
  name: string;
  message: string;
  items: number;
}

export interface WriteOutcome {
  failed: PendingItem[];
  requests: number;
  retries: number;
  /** Distinct errors seen (by name), with how many items each left unwritten or retried. */
  errors: WriteFailure[];
}

const RETRYABLE_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Throttling, 5xx and network errors are worth another attempt; validation or auth errors are not. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'AbortError') return false;
  if (e.name && RETRYABLE_ERROR_NAMES.has(e.name)) return true;
  if (e.code && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

export function chunk<T>(values: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}

export async function writeItems(items: PendingItem[], options: WriterOptions): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { failed: [], requests: 0, retries: 0, errors: [] };
  const chunks = chunk(items, MAX_ITEMS_PER_REQUEST);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const current = chunks[next++] as PendingItem[];
      const failed = await writeChunk(current, options, outcome);
      for (const item of failed) outcome.failed.push(item);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, chunks.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcome;
}

/** Writes one chunk; returns the items that could not be written. */
async function writeChunk(chunk: PendingItem[], options: WriterOptions, outcome: WriteOutcome): Promise<PendingItem[]> {
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const remaining = options.deadline - options.now();
    if (remaining <= 0) {
      noteError(outcome, { name: 'DeadlineExceeded', message: 'no time left before the function timeout' }, pending);
      return pending;
    }
    let unprocessed: PendingItem[];
    try {
      outcome.requests++;
      const output = await options.client.send(requestFor(pending, options.tableName), {
        abortSignal: AbortSignal.timeout(remaining),
      });
      unprocessed = matchUnprocessed(pending, output.UnprocessedItems?.[options.tableName]);
      if (unprocessed.length > 0 && attempt >= options.maxAttempts) {
        noteError(outcome, { name: 'UnprocessedItems', message: 'DynamoDB left items unprocessed' }, unprocessed);
      }
    } catch (error) {
      noteError(outcome, error, pending);
      if (!isRetryable(error)) return pending;
      unprocessed = pending;
    }
    if (unprocessed.length === 0) return [];
    if (attempt >= options.maxAttempts) return unprocessed;
    // Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): spreads retries of
    // concurrent workers instead of having them collide again on the same partition.
    const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
    const delay = Math.floor(options.random() * ceiling);
    if (options.now() + delay >= options.deadline) {
      noteError(
        outcome,
        { name: 'DeadlineExceeded', message: 'no time left to retry before the timeout' },
        unprocessed,
      );
      return unprocessed;
    }
    outcome.retries++;
    await options.sleep(delay);
    pending = unprocessed;
  }
}

function requestFor(pending: PendingItem[], tableName: string): BatchWriteRequest {
  const requests: WriteRequest[] = new Array(pending.length);
  for (let i = 0; i < pending.length; i++) requests[i] = { PutRequest: { Item: (pending[i] as PendingItem).item } };
  return { input: { RequestItems: { [tableName]: requests } } };
}

/** Maps the returned UnprocessedItems back to our pending items by their (pk, sk). */
function matchUnprocessed(pending: PendingItem[], unprocessed: WriteRequest[] | undefined): PendingItem[] {
  if (!unprocessed || unprocessed.length === 0) return [];
  const byKey = new Map<string, PendingItem>();
  for (const item of pending) byKey.set(item.key, item);
  const result: PendingItem[] = [];
  for (const request of unprocessed) {
    const item = request.PutRequest?.Item;
    const match = item ? byKey.get(itemKey(item.pk?.S ?? '', item.sk?.S ?? '')) : undefined;
    if (match) result.push(match);
  }
  return result;
}

export function itemKey(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

function noteError(outcome: WriteOutcome, error: unknown, items: PendingItem[]): void {
  const e = error as { name?: string; message?: string };
  const name = e?.name ?? 'Error';
  const known = outcome.errors.find((entry) => entry.name === name);
  if (known) known.items += items.length;
  else outcome.errors.push({ name, message: String(e?.message ?? error), items: items.length });
}
