/**
 * `producer rotate`'s flow with aws-sdk-client-mock (moto's CloudFormation neither creates the
 * secret nor honours UpdateReplacePolicy, so the whole rotation cannot run there): the order of the
 * calls (test record before DeleteAccessKey, no delete when the test record fails), the profile
 * refresh on a temporary AWS_SHARED_CREDENTIALS_FILE, the resume of a stopped rotation, and a
 * running re-reading client that carries on through the rotation without losing a record.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../src/aws/clients.js';
import type { ResolvedStack } from '../../src/config/store.js';
import { UserError } from '../../src/errors.js';
import { markedProfiles } from '../../src/producer/credentials-file.js';
import { readProducerKey } from '../../src/producer/key.js';
import { keyCheckRecord, nextKeyCheckDelay } from '../../src/producer/key-check.js';
import { rereadingClient } from '../../src/producer/rereading-client.js';
import { type ProducerRotateOptions, rotateProducerKey } from '../../src/producer/rotate.js';
import { silentReporter } from '../../src/progress.js';
import type { ConfirmQuestion } from '../../src/target.js';

const secrets = mockClient(SecretsManagerClient);
const iam = mockClient(IAMClient);
const kinesis = mockClient(KinesisClient);
const cfn = mockClient(CloudFormationClient);

const REGION = 'us-east-1';
const MARKER = '# written by streamproc for stack t1 (producer identity)';
const secretOf = (id: string) => `${id}-SECRET`;

/** A fake AWS account: which keys IAM knows and accepts, what the secret holds, every call in order. */
function account(initial: string) {
  const state = {
    secret: initial,
    keys: [initial],
    /** Keys Kinesis accepts (a new key lags behind IAM by `lag` refusals). */
    lag: 0,
    serial: '1',
    /** ProducerAccessKey's physical id: CloudFormation's key (undefined: the secret's). */
    managed: undefined as string | undefined,
    calls: [] as string[],
  };
  const keyOf = async (getClient: () => { config: { credentials: () => Promise<{ accessKeyId: string }> } }) =>
    (await getClient().config.credentials()).accessKeyId;
  const refusal = (id: string) =>
    Object.assign(new Error(`The security token included in the request is invalid (${id})`), {
      name: 'UnrecognizedClientException',
    });
  secrets.on(GetSecretValueCommand).callsFake(() => {
    state.calls.push(`GetSecretValue ${state.secret}`);
    return {
      SecretString: JSON.stringify({
        accessKeyId: state.secret,
        secretAccessKey: secretOf(state.secret),
        region: REGION,
        streamName: 't1-EventStream',
      }),
    };
  });
  iam.on(ListAccessKeysCommand).callsFake(() => {
    state.calls.push('ListAccessKeys');
    return { AccessKeyMetadata: state.keys.map((AccessKeyId) => ({ AccessKeyId, UserName: 't1-Producer' })) };
  });
  iam.on(DeleteAccessKeyCommand).callsFake((input: { AccessKeyId: string; UserName: string }) => {
    state.calls.push(`DeleteAccessKey ${input.AccessKeyId} ${input.UserName}`);
    state.keys = state.keys.filter((k) => k !== input.AccessKeyId);
  });
  cfn.on(DescribeStacksCommand).callsFake(() => ({
    Stacks: [
      {
        StackName: 't1',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Parameters: [{ ParameterKey: 'ProducerKeySerial', ParameterValue: state.serial }],
      },
    ],
  }));
  cfn.on(DescribeStackResourcesCommand).callsFake(() => ({
    StackResources: [
      {
        LogicalResourceId: 'ProducerAccessKey',
        PhysicalResourceId: state.managed ?? state.secret,
        ResourceType: 'AWS::IAM::AccessKey',
        ResourceStatus: 'UPDATE_COMPLETE',
        Timestamp: new Date(),
      },
    ],
  }));
  kinesis.on(PutRecordCommand).callsFake(async (input: { PartitionKey: string }, getClient) => {
    const id = await keyOf(getClient as never);
    if (!state.keys.includes(id) || (id !== initial && state.lag-- > 0)) {
      state.calls.push(`PutRecord ${id} refused`);
      throw refusal(id);
    }
    state.calls.push(`PutRecord ${id} ${input.PartitionKey}`);
    return { ShardId: 'shardId-000000000000', SequenceNumber: '49650000000000000000000000001' };
  });
  kinesis.on(PutRecordsCommand).callsFake(async (input: { Records: unknown[] }, getClient) => {
    const id = await keyOf(getClient as never);
    if (!state.keys.includes(id)) throw refusal(id);
    return { FailedRecordCount: 0, Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })) };
  });
  /** What CloudFormation does with a new Serial: a new key, the secret updated, the old key retained. */
  const deploy = async (next: string) => {
    state.serial = next;
    const fresh = `AKIA${next.padStart(4, '0')}NEW`;
    state.keys.push(fresh);
    state.secret = fresh;
    return fresh;
  };
  return { state, deploy };
}

let dir: string;
let credentialsFile: string;
let env: NodeJS.ProcessEnv;

const stack = (target: 'aws' | 'local' = 'aws'): ResolvedStack => ({
  name: 't1',
  configured: false,
  file: join(dir, 'config.json'),
  settings: {
    target,
    region: REGION,
    keywords: ['aws'],
    retentionDays: 30,
    parameters: { CreateProducerIdentity: 'true' },
    outputs: { Region: REGION, StreamName: 't1-EventStream', ProducerSecretArn: 'arn:secret:t1/producer-credentials' },
  },
});

function options(
  fake: ReturnType<typeof account>,
  extra: Partial<ProducerRotateOptions> = {},
): ProducerRotateOptions & { deployed: Record<string, string>[]; asked: ConfirmQuestion[] } {
  const deployed: Record<string, string>[] = [];
  const asked: ConfirmQuestion[] = [];
  return {
    stack: stack(),
    reporter: silentReporter,
    confirm: async (q) => {
      asked.push(q);
      return false;
    },
    signal: new AbortController().signal,
    env,
    keyCheckDelayMs: 1,
    keyCheckTimeoutMs: 2000,
    deploy: async (parameters, confirm) => {
      fake.state.calls.push(`deploy ProducerKeySerial=${parameters.ProducerKeySerial}`);
      deployed.push(parameters);
      // The key's own replacement is answered by rotate itself.
      expect(
        await confirm({ message: 'replaces ProducerAccessKey', flag: '--yes', resources: ['ProducerAccessKey'] }),
      ).toBe(true);
      await fake.deploy(parameters.ProducerKeySerial as string);
    },
    deployed,
    asked,
    ...extra,
  };
}

async function caught(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-rotate-'));
  credentialsFile = join(dir, 'credentials');
  env = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_REGION: REGION };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  secrets.reset();
  iam.reset();
  kinesis.reset();
  cfn.reset();
  await rm(credentialsFile, { force: true });
});

describe('producer rotate', () => {
  it('deploys serial + 1, proves the new key with a test record, refreshes the marked profile, then deletes the old key', async () => {
    // Prepare: a profile streamproc wrote, and the user's own around it; IAM lags twice on the new key
    const fake = account('AKIAOLD');
    fake.state.lag = 2;
    const before = `# mine\n[default]\naws_access_key_id = AKIAUSER\naws_secret_access_key = user\n\n${MARKER}\n[streamproc-t1-producer]\naws_access_key_id = AKIAOLD\naws_secret_access_key = AKIAOLD-SECRET\nregion = us-east-1\n\n[other]\nx = 1\n`;
    await writeFile(credentialsFile, before, { mode: 0o644 });
    const opts = options(fake);
    // Act
    const result = await rotateProducerKey(opts);
    // Assess: the order of what happened
    expect(fake.state.calls).toEqual([
      'GetSecretValue AKIAOLD',
      'ListAccessKeys',
      'deploy ProducerKeySerial=2',
      'GetSecretValue AKIA0002NEW',
      'PutRecord AKIA0002NEW refused',
      'PutRecord AKIA0002NEW refused',
      'PutRecord AKIA0002NEW streamproc-producer-key-check',
      'DeleteAccessKey AKIAOLD t1-Producer',
    ]);
    expect(opts.deployed).toEqual([{ CreateProducerIdentity: 'true', ProducerKeySerial: '2' }]);
    expect(opts.asked).toEqual([]);
    expect(result).toEqual({
      stack: 't1',
      oldKeyId: 'AKIAOLD',
      newKeyId: 'AKIA0002NEW',
      serial: 2,
      resumed: false,
      testRecord: {
        streamName: 't1-EventStream',
        shardId: 'shardId-000000000000',
        sequenceNumber: '49650000000000000000000000001',
        attempts: 3,
      },
      deleted: ['AKIAOLD'],
      profilesRefreshed: ['streamproc-t1-producer'],
      credentialsFile,
    });
    expect(JSON.stringify(result)).not.toContain('SECRET');
    // The profile holds the new key; everything else is as it was; 0600
    const text = await readFile(credentialsFile, 'utf8');
    expect(text).toBe(before.replace(/AKIAOLD/g, 'AKIA0002NEW'));
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
    // The test record is the marked key check, not a tweet
    const put = kinesis.commandCalls(PutRecordCommand).at(-1)?.args[0].input;
    expect(JSON.parse(new TextDecoder().decode(put?.Data))).toMatchObject({
      streamproc: 'producer-key-check',
      stack: 't1',
      accessKeyId: 'AKIA0002NEW',
    });
  });

  it('raises the serial the stack has deployed, and asks about any other replacement', async () => {
    const fake = account('AKIAOLD');
    fake.state.serial = '7';
    const opts = options(fake, {
      deploy: async (parameters, confirm) => {
        expect(parameters.ProducerKeySerial).toBe('8');
        // Another resource replaced too: the user's answer (here: no) decides
        const answer = await confirm({
          message: 'replaces EventStream, ProducerAccessKey',
          flag: '--yes',
          resources: ['EventStream', 'ProducerAccessKey'],
        });
        if (!answer) throw new UserError('Deploy cancelled; stack t1 is unchanged', { code: 'DEPLOY_CANCELLED' });
      },
    });
    const error = await caught(rotateProducerKey(opts));
    expect(opts.asked.map((q) => q.resources)).toEqual([['EventStream', 'ProducerAccessKey']]);
    expect(error.message).toBe('Rotation stopped: Deploy cancelled; stack t1 is unchanged');
    expect(error.code).toBe('DEPLOY_CANCELLED');
    expect(error.hint).toContain('AKIAOLD was not replaced and still works');
    expect(fake.state.calls.filter((c) => c.startsWith('DeleteAccessKey'))).toEqual([]);
  });

  it('keeps the old key (no delete, profile untouched) when the new key never puts its test record', async () => {
    // Prepare: IAM never accepts the new key within the bound
    const fake = account('AKIAOLD');
    fake.state.lag = Number.POSITIVE_INFINITY;
    const before = `${MARKER}\n[streamproc-t1-producer]\naws_access_key_id = AKIAOLD\naws_secret_access_key = AKIAOLD-SECRET\n`;
    await writeFile(credentialsFile, before);
    // Act
    const error = await caught(rotateProducerKey(options(fake, { keyCheckTimeoutMs: 30 })));
    // Assess
    expect(error.code).toBe('PRODUCER_KEY_UNPROVEN');
    expect(error.message).toMatch(
      /^The new key AKIA0002NEW could not put a test record into t1-EventStream: still refused after 0 s \(UnrecognizedClientException/,
    );
    expect(error.hint).toContain('The old key AKIAOLD was kept and still works');
    expect(fake.state.calls.some((c) => c.startsWith('DeleteAccessKey'))).toBe(false);
    expect(fake.state.keys).toEqual(['AKIAOLD', 'AKIA0002NEW']);
    expect(await readFile(credentialsFile, 'utf8')).toBe(before);
  });

  it('a second run finishes a stopped rotation: no deploy, the secret’s key proven, the left-over key deleted', async () => {
    // Prepare: the state the previous test left (both keys, the secret on the new one)
    const fake = account('AKIAOLD');
    fake.state.keys = ['AKIAOLD', 'AKIA0002NEW'];
    fake.state.secret = 'AKIA0002NEW';
    const opts = options(fake);
    // Act
    const result = await rotateProducerKey(opts);
    // Assess
    expect(opts.deployed).toEqual([]);
    expect(fake.state.calls).toEqual([
      'GetSecretValue AKIA0002NEW',
      'ListAccessKeys',
      'PutRecord AKIA0002NEW streamproc-producer-key-check',
      'DeleteAccessKey AKIAOLD t1-Producer',
    ]);
    expect(result).toMatchObject({ oldKeyId: 'AKIAOLD', newKeyId: 'AKIA0002NEW', serial: null, resumed: true });
    expect(result.profilesRefreshed).toEqual([]);
  });

  it('touches nothing when the secret does not hold the stack’s own key', async () => {
    // Prepare: CloudFormation's key is another one than the secret's (a secret rewritten by hand)
    const fake = account('AKIAOLD');
    fake.state.keys = ['AKIAOLD', 'AKIACFN'];
    fake.state.managed = 'AKIACFN';
    const opts = options(fake);
    // Act
    const error = await caught(rotateProducerKey(opts));
    // Assess: CloudFormation's key is not taken for a left-over, nothing deployed or deleted
    expect(error.code).toBe('PRODUCER_SECRET_STALE');
    expect(error.message).toBe(
      "The producer secret holds key AKIAOLD, but the stack's key (ProducerAccessKey) is AKIACFN",
    );
    expect(opts.deployed).toEqual([]);
    expect(fake.state.keys).toEqual(['AKIAOLD', 'AKIACFN']);
  });

  it('deletes no other key when the stack cannot say which key is its own', async () => {
    const fake = account('AKIANEW');
    fake.state.keys = ['AKIAOLD', 'AKIANEW'];
    cfn.on(DescribeStackResourcesCommand).resolves({ StackResources: [] });
    const error = await caught(rotateProducerKey(options(fake)));
    expect(error.code).toBe('PRODUCER_KEYS_UNKNOWN');
    expect(error.hint).toMatch(/^Nothing was deleted/);
    expect(fake.state.keys).toEqual(['AKIAOLD', 'AKIANEW']);
  });

  it('says which key to delete by hand when the delete is refused', async () => {
    const fake = account('AKIAOLD');
    iam
      .on(DeleteAccessKeyCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform: iam:DeleteAccessKey'), { name: 'AccessDenied' }),
      );
    const error = await caught(rotateProducerKey(options(fake)));
    expect(error.code).toBe('OLD_KEY_NOT_DELETED');
    expect(error.message).toContain('deleting the old key AKIAOLD failed (AccessDenied');
    expect(error.hint).toContain('aws iam delete-access-key --user-name t1-Producer --access-key-id AKIAOLD');
  });

  it('refuses on the local target (exit 2) and without a producer identity (a hint to deploy one)', async () => {
    const local = await caught(rotateProducerKey({ ...options(account('K')), stack: stack('local') }));
    expect(local.exit).toBe(2);
    expect(local.message).toBe('producer rotate needs the aws target: the local engine has no identities');
    const fake = account('K');
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
    const none = await caught(rotateProducerKey(options(fake)));
    expect(none.code).toBe('NO_PRODUCER_IDENTITY');
    expect(none.hint).toBe('Deploy it with one: `streamproc deploy --stack t1 --producer-identity`.');
  });
});

describe('a running ingest --as-producer through a rotation', () => {
  it('keeps sending: the old key works until the new one is proven, then the client switches without losing a record', async () => {
    // Prepare: the client ingest builds, signed with the secret's key, re-reading it on refusal
    const fake = account('AKIAOLD');
    const s = stack();
    const switched: string[] = [];
    const client = await rereadingClient({
      key: await readProducerKey(s, env),
      clientFor: (k) =>
        createKinesisClient({
          region: REGION,
          maxAttempts: 1,
          service: { credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey } },
        }),
      reread: () => readProducerKey(s, env),
      onRotated: (k) => switched.push(k.accessKeyId),
    });
    const batch = (n: number) =>
      new PutRecordsCommand({
        StreamName: 't1-EventStream',
        Records: [{ Data: new Uint8Array([n]), PartitionKey: 'a' }],
      });
    let sent = 0;
    const send = async () => {
      const answer = await client.send(batch(sent));
      sent += answer.Records?.length ?? 0;
    };
    // Act: batches before, while the deploy runs, between the proof and the delete, and after
    await send();
    const opts = options(fake, {
      deploy: async (parameters) => {
        await send();
        await fake.deploy(parameters.ProducerKeySerial as string);
        await send(); // the secret holds the new key, the old one still works
      },
    });
    await rotateProducerKey(opts);
    await Promise.all([send(), send(), send()]); // the old key is gone now
    await send();
    // Assess
    expect(sent).toBe(7);
    expect(switched).toEqual(['AKIA0002NEW']);
    expect(client.key.accessKeyId).toBe('AKIA0002NEW');
    client.destroy();
  });
});

describe('rotate’s pure parts', () => {
  it('backs off 1, 2, 4 … 10 s and stops before the bound', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => nextKeyCheckDelay(a, 0, 60_000, 1000))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect(nextKeyCheckDelay(3, 57_000, 60_000, 1000)).toBeUndefined();
  });

  it('finds the profiles carrying the stack’s marker, and only those', () => {
    const text = `[a]\n${MARKER}\n[p1]\nx=1\n# written by streamproc for stack t2 (producer identity)\n[p2]\n${MARKER}\n[ custom ]\n`;
    expect(markedProfiles(text, MARKER.slice(2))).toEqual(['p1', 'custom']);
  });

  it('builds a test record that names itself and holds no secret', () => {
    const data = JSON.parse(new TextDecoder().decode(keyCheckRecord('t1', 'AKIAX', new Date(0))));
    expect(data).toEqual({
      streamproc: 'producer-key-check',
      stack: 't1',
      accessKeyId: 'AKIAX',
      at: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('the template’s part in a rotation', () => {
  it('replaces the key on a new ProducerKeySerial, retains the replaced key, deletes it with the stack, and the secret follows the key', async () => {
    const { loadTemplate } = await import('../../src/stack/template.js');
    const template = await loadTemplate();
    expect(template.Parameters.ProducerKeySerial).toMatchObject({ Type: 'Number', Default: 1, MinValue: 1 });
    const key = template.Resources.ProducerAccessKey;
    expect(key).toMatchObject({
      Type: 'AWS::IAM::AccessKey',
      UpdateReplacePolicy: 'Retain',
      DeletionPolicy: 'Delete',
      Properties: { Serial: { Ref: 'ProducerKeySerial' }, UserName: { Ref: 'ProducerUser' } },
    });
    const secret = JSON.stringify(template.Resources.ProducerSecret?.Properties);
    expect(secret).toMatch(/accessKeyId.{3,6}\$\{ProducerAccessKey\}/);
    expect(secret).toContain('{"Fn::GetAtt":["ProducerAccessKey","SecretAccessKey"]}');
  });
});
