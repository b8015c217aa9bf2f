/**
 * The processor: Kinesis batch in, one DynamoDB item per distinct record out, partial batch
 * response for what could not be written (`FunctionResponseTypes: [ReportBatchItemFailures]`).
 *
 * Semantics, after Powertools' BasePartialBatchProcessor: a record is acknowledged only when its
 * item was written; malformed records become rejected items (acknowledged once written, so they
 * are never retried forever and never dropped); when every record failed the handler throws, so
 * the failure shows as a function error rather than a silently empty success.
 */
import type { EventItem } from '../contract/table-layout.js';
import { DEFAULT_RETENTION_DAYS, DEFAULT_WRITE_CONCURRENCY, type LogLevel } from './config.js';
import { buildItem, type ItemContext, isKeyCheckRecord, shardIdOf } from './items.js';
import { marshallItem } from './marshall.js';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, LambdaContext } from './types.js';
import { type BatchWriteClient, itemKey, type PendingItem, writeItems } from './writer.js';

export interface ProcessorOptions {
  client: BatchWriteClient;
  tableName: string;
  /** Days until an item expires (TTL). Default 30. */
  retentionDays?: number;
  /** BatchWriteItem requests in flight. Default 8. */
  concurrency?: number;
  /** Attempts per 25-item request, the first included. Default 10. */
  maxAttempts?: number;
  /** First backoff ceiling, doubled per attempt. Default 50 ms. */
  baseDelayMs?: number;
  /** Largest backoff ceiling. Default 3,000 ms. */
  maxDelayMs?: number;
  /** Time kept in reserve before the function timeout to return a response. Default 1,000 ms. */
  safetyMarginMs?: number;
  /** Time budget when no Lambda context is passed (tests, benches). Default 60,000 ms. */
  defaultBudgetMs?: number;
  logLevel?: LogLevel;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Where log lines go. Default console.log (stdout, which Lambda ships to CloudWatch). */
  log?: (line: string) => void;
}

export type ProcessorHandler = (
  event: KinesisStreamEvent,
  context?: LambdaContext,
) => Promise<KinesisStreamBatchResponse>;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createHandler(options: ProcessorOptions): ProcessorHandler {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const debug = options.logLevel === 'debug';
  const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const writerSettings = {
    client: options.client,
    tableName: options.tableName,
    concurrency: options.concurrency ?? DEFAULT_WRITE_CONCURRENCY,
    maxAttempts: options.maxAttempts ?? 10,
    baseDelayMs: options.baseDelayMs ?? 50,
    maxDelayMs: options.maxDelayMs ?? 3_000,
    now,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
  };
  const safetyMarginMs = options.safetyMarginMs ?? 1_000;

  return async function handler(event, context) {
    const started = now();
    const records = event?.Records ?? [];
    const remaining = context ? context.getRemainingTimeInMillis() : (options.defaultBudgetMs ?? 60_000);
    // Short timeouts still get half their time for writing rather than none.
    const deadline = started + Math.max(remaining - safetyMarginMs, remaining / 2);

    const ctx: ItemContext = { nowMs: started, processedAt: new Date(started).toISOString(), retentionDays };
    const byKey = new Map<string, PendingItem>();
    const shardIds = new Set<string>();
    let rejected = 0;
    let keyChecks = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as (typeof records)[number];
      // A key rotation's test record proved the key by arriving; it is not a post and is not stored.
      if (isKeyCheckRecord(record)) {
        keyChecks++;
        shardIds.add(shardIdOf(record.eventID));
        continue;
      }
      const item: EventItem = buildItem(record, ctx);
      shardIds.add(item.shardId);
      if (item.kind === 'rejected') {
        rejected++;
        if (debug) log(JSON.stringify({ level: 'debug', msg: 'rejected', seq: item.seq, reason: item.reason }));
      }
      const key = itemKey(item.pk, item.sk);
      const existing = byKey.get(key);
      // DynamoDB refuses a BatchWriteItem naming one key twice; the last delivery wins.
      if (existing) {
        existing.item = marshallItem(item);
        existing.records.push(i);
      } else {
        byKey.set(key, { key, item: marshallItem(item), records: [i] });
      }
    }

    const outcome = await writeItems([...byKey.values()], { ...writerSettings, deadline });
    const failedIndexes: number[] = [];
    for (const pending of outcome.failed) for (const index of pending.records) failedIndexes.push(index);
    failedIndexes.sort((a, b) => a - b);

    const summary = {
      level: failedIndexes.length > 0 ? 'error' : 'info',
      msg: 'batch',
      records: records.length,
      written: byKey.size - outcome.failed.length,
      rejected,
      failed: failedIndexes.length,
      duplicates: records.length - keyChecks - byKey.size,
      ...(keyChecks > 0 ? { keyChecks } : {}),
      requests: outcome.requests,
      retries: outcome.retries,
      durationMs: now() - started,
      shardIds: [...shardIds],
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      ...(outcome.errors.length > 0 ? { errors: outcome.errors } : {}),
    };
    log(JSON.stringify(summary));

    if (records.length > 0 && failedIndexes.length === records.length) {
      const cause = outcome.errors[0];
      throw new Error(
        `all ${records.length} records failed to write to ${options.tableName}` +
          (cause ? `: ${cause.name}: ${cause.message}` : ''),
      );
    }
    return {
      batchItemFailures: failedIndexes.map((index) => ({
        itemIdentifier: (records[index] as (typeof records)[number]).kinesis.sequenceNumber,
      })),
    };
  };
}
