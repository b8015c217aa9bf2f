/**
 * The proof that a producer key works: one test record put into the stream, signed with that key.
 * A key IAM has just created is refused for a few seconds (IAM is eventually consistent), so
 * refusals are retried with back-off for a bounded time; any other error ends the proof at once.
 *
 * The record is not a post: its partition key `streamproc-producer-key-check` and
 * `"streamproc":"producer-key-check"` in the data make the processor skip it (nothing is stored).
 */
import { KEY_CHECK_MARKER, KEY_CHECK_PARTITION_KEY } from '../../lambda/contract/tweet-event.js';
import { configuredEndpoint, createKinesisClient } from '../aws/clients.js';
import { sleep } from '../sleep.js';
import { isAuthFailure } from '../stack/aws/errors.js';
import type { ProducerKey } from './key.js';

export interface KeyCheckOptions {
  key: ProducerKey;
  stack: string;
  streamName: string;
  /** How long refusals are retried; default 60 s. */
  timeoutMs?: number;
  /** First back-off; doubled per refusal up to 10 s. Default 1 s. */
  firstDelayMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface KeyCheckResult {
  shardId: string;
  sequenceNumber: string;
  /** Puts tried, the successful one included. */
  attempts: number;
}

/** The test record's data: recognisable, harmless, no secret (an access key id is not one). */
export function keyCheckRecord(stack: string, accessKeyId: string, at: Date): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ streamproc: KEY_CHECK_MARKER, stack, accessKeyId, at: at.toISOString() }),
  );
}

/** The wait before attempt `attempt + 1`, or undefined when the deadline would pass (a pure decision). */
export function nextKeyCheckDelay(
  attempt: number,
  elapsedMs: number,
  timeoutMs: number,
  firstDelayMs: number,
): number | undefined {
  const delay = Math.min(firstDelayMs * 2 ** (attempt - 1), 10_000);
  return elapsedMs + delay > timeoutMs ? undefined : delay;
}

export class KeyCheckFailed extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly cause: unknown,
  ) {
    super(message);
  }
}

export async function checkProducerKey(options: KeyCheckOptions): Promise<KeyCheckResult> {
  const { key } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const firstDelayMs = options.firstDelayMs ?? 1000;
  const { PutRecordCommand } = await import('@aws-sdk/client-kinesis');
  const client = await createKinesisClient({
    region: key.region,
    maxAttempts: 1,
    service: {
      endpoint: configuredEndpoint('Kinesis', options.env),
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    },
  });
  const started = Date.now();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const put = await client.send(
          new PutRecordCommand({
            StreamName: options.streamName,
            PartitionKey: KEY_CHECK_PARTITION_KEY,
            Data: keyCheckRecord(options.stack, key.accessKeyId, new Date()),
          }),
        );
        return { shardId: put.ShardId ?? '', sequenceNumber: put.SequenceNumber ?? '', attempts: attempt };
      } catch (error) {
        const e = error as { name?: string; message?: string };
        const said = `${e.name ?? 'Error'}: ${e.message?.split('\n')[0] ?? ''}`;
        if (!isAuthFailure(error)) throw new KeyCheckFailed(said, attempt, error);
        const delay = nextKeyCheckDelay(attempt, Date.now() - started, timeoutMs, firstDelayMs);
        if (delay === undefined) {
          throw new KeyCheckFailed(`still refused after ${Math.round(timeoutMs / 1000)} s (${said})`, attempt, error);
        }
        await sleep(delay, options.signal);
        if (options.signal?.aborted) throw new KeyCheckFailed('interrupted', attempt, error);
      }
    }
  } finally {
    client.destroy();
  }
}
