/** The producer identity's pieces with plain values: the re-reading client's refusal sequences and the profile writer. */
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { withProfile } from '../../src/producer/credentials-file.js';
import type { ProducerKey } from '../../src/producer/key.js';
import { rereadingClient } from '../../src/producer/rereading-client.js';

const keyOf = (id: string): ProducerKey => ({
  accessKeyId: id,
  secretAccessKey: `${id}-secret`,
  region: 'us-east-1',
  secretId: 's/producer-credentials',
});
const refused = (name: string) => Object.assign(new Error(`${name} from AWS`), { name });

/** Fake clients per key: `behaviour(keyId, call)` answers or throws. */
function harness(behaviour: (keyId: string) => unknown, secret: () => ProducerKey) {
  const made: string[] = [];
  const destroyed: string[] = [];
  let rereads = 0;
  const options = {
    key: keyOf('K1'),
    clientFor: async (key: ProducerKey) => {
      made.push(key.accessKeyId);
      return {
        send: async () => {
          const answer = behaviour(key.accessKeyId);
          if (answer instanceof Error) throw answer;
          return answer;
        },
        destroy: () => destroyed.push(key.accessKeyId),
      } as unknown as KinesisClient;
    },
    reread: async () => {
      rereads += 1;
      return secret();
    },
  };
  return { options, made, destroyed, rereads: () => rereads };
}

const command = {} as PutRecordsCommand;
const ok = { FailedRecordCount: 0, Records: [] };

describe('the re-reading producer client', () => {
  it('after a rotation (the old key refused), reads the secret once and carries on with the new key', async () => {
    // Prepare: K1 was deleted by the rotation; the secret now holds K2
    const h = harness(
      (id) => (id === 'K1' ? refused('UnrecognizedClientException') : ok),
      () => keyOf('K2'),
    );
    const client = await rereadingClient(h.options);
    // Act: four requests in flight when the refusal comes
    const answers = await Promise.all([1, 2, 3, 4].map(() => client.send(command)));
    // Assess
    expect(answers).toEqual([ok, ok, ok, ok]);
    expect(h.rereads()).toBe(1);
    expect(h.made).toEqual(['K1', 'K2']);
    expect(h.destroyed).toEqual(['K1']);
    expect(client.key.accessKeyId).toBe('K2');
  });

  it('gives up with a clear error when the secret still holds the refused key', async () => {
    const h = harness(
      () => refused('AccessDeniedException'),
      () => keyOf('K1'),
    );
    const client = await rereadingClient(h.options);
    await expect(client.send(command)).rejects.toThrow(
      "AWS refused the producer identity's key (AccessDeniedException: AccessDeniedException from AWS), and its secret s/producer-credentials holds no newer one",
    );
    expect(h.rereads()).toBe(1);
  });

  it('does not re-read for errors that are not about the key', async () => {
    const h = harness(
      () => refused('ProvisionedThroughputExceededException'),
      () => keyOf('K2'),
    );
    const client = await rereadingClient(h.options);
    await expect(client.send(command)).rejects.toThrow('ProvisionedThroughputExceededException from AWS');
    expect(h.rereads()).toBe(0);
  });

  it('rotates twice in one run: each refusal of the key in use reads the secret again', async () => {
    let current = 'K2';
    const h = harness(
      (id) => (id === current ? ok : refused('ExpiredTokenException')),
      () => keyOf(current),
    );
    const client = await rereadingClient(h.options);
    expect(await client.send(command)).toBe(ok);
    current = 'K3';
    expect(await client.send(command)).toBe(ok);
    expect(h.made).toEqual(['K1', 'K2', 'K3']);
  });
});

describe('the shared-credentials profile writer', () => {
  const values = { aws_access_key_id: 'AKIANEW', aws_secret_access_key: 'new', region: 'eu-west-1' };

  it('appends to a file, keeping what is there', () => {
    expect(withProfile('# mine\n[default]\naws_access_key_id = A\n', 'p', values, 'by streamproc')).toBe(
      '# mine\n[default]\naws_access_key_id = A\n\n# by streamproc\n[p]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\nregion = eu-west-1\n',
    );
    expect(withProfile('', 'p', values, 'm')).toBe(
      '# m\n[p]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\nregion = eu-west-1\n',
    );
  });

  it('replaces the profile in place, with its marker, and leaves the next section and its comment alone', () => {
    const text =
      '[a]\nx = 1\n\n# m\n[p]\naws_access_key_id = OLD\naws_secret_access_key = old\n\n# about b\n[b]\ny = 2\n';
    expect(withProfile(text, 'p', values, 'm')).toBe(
      '[a]\nx = 1\n\n# m\n[p]\naws_access_key_id = AKIANEW\naws_secret_access_key = new\nregion = eu-west-1\n\n# about b\n[b]\ny = 2\n',
    );
  });
});
