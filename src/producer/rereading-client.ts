/**
 * A PutRecords client signed with the producer identity's key that survives a rotation: when AWS
 * refuses the key (deleted, expired, denied), it reads the stack's secret again — once per refusal
 * episode, shared by the requests in flight — and, if the secret now holds another key, retries
 * with a client for it. The same key refused again is a clear error, never a retry loop.
 */
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { UserError } from '../errors.js';
import type { PutRecordsClient } from '../ingest/producer-options.js';
import { isAuthFailure } from '../stack/aws/errors.js';
import type { ProducerKey } from './key.js';

export interface RereadingClientOptions {
  key: ProducerKey;
  /** A Kinesis client signed with `key`. */
  clientFor: (key: ProducerKey) => Promise<KinesisClient>;
  /** Reads the secret again. */
  reread: () => Promise<ProducerKey>;
  /** Told when a newer key took over (for the warning line). */
  onRotated?: (key: ProducerKey) => void;
}

export interface RereadingClient extends PutRecordsClient {
  destroy(): void;
  /** The key in use now. */
  readonly key: ProducerKey;
}

export async function rereadingClient(options: RereadingClientOptions): Promise<RereadingClient> {
  let key = options.key;
  let client = await options.clientFor(key);
  let switching: Promise<boolean> | undefined;

  /** True when a newer key is in use after it. */
  const switchKey = (refused: ProducerKey): Promise<boolean> => {
    if (key !== refused) return Promise.resolve(true); // another request already switched
    switching ??= (async () => {
      try {
        const fresh = await options.reread();
        if (fresh.accessKeyId === key.accessKeyId && fresh.secretAccessKey === key.secretAccessKey) return false;
        const next = await options.clientFor(fresh);
        client.destroy();
        client = next;
        key = fresh;
        options.onRotated?.(fresh);
        return true;
      } finally {
        switching = undefined;
      }
    })();
    return switching;
  };

  return {
    get key() {
      return key;
    },
    destroy: () => client.destroy(),
    async send(command: PutRecordsCommand) {
      const used = key;
      try {
        return await client.send(command);
      } catch (error) {
        if (!isAuthFailure(error)) throw error;
        if (!(await switchKey(used))) {
          const e = error as { name?: string; message?: string };
          throw new UserError(
            `AWS refused the producer identity's key (${e.name ?? 'error'}: ${e.message?.split('\n')[0] ?? ''}), and its secret ${used.secretId} holds no newer one`,
            {
              hint: 'Deploy the stack again with --producer-identity to restore the key, or run ingest without --as-producer.',
              code: 'PRODUCER_KEY_REFUSED',
              cause: error,
            },
          );
        }
        return client.send(command);
      }
    },
  };
}
