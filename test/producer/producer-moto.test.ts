/**
 * The producer identity used (issue #17), through the built CLI against moto: deploy with the
 * identity, `producer credentials` writes a profile the AWS SDK's shared-file provider reads, and
 * `ingest --as-producer` sends with that key and says so. moto's CloudFormation creates the user
 * and an access key but not the AWS::SecretsManager::Secret (its physical id stays empty), so the
 * test stores a fresh key of the user in the secret the way the template does
 * (`<stack>/producer-credentials`, the template's JSON shape). That leaves the user with two keys,
 * the state a rotation stopped before its delete leaves, so `producer rotate` is run here on that
 * path (prove the secret's key, refresh the profile, delete the other). The deploy path runs up to
 * where moto stops it (no secret to follow the new key); the whole rotation needs the secret and
 * UpdateReplacePolicy Retain, which moto ignores, and is tested with mocks (rotate.test.ts). moto accepts any signature, so the test record proves the wiring, not IAM.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fromIni } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt, runCli, tempDirs } from '../helpers/cli.js';
import { type MotoServer, motoEnv, motoUnavailable, startMoto } from '../helpers/moto-server.js';

requireBuilt(
  'dist/src/commands/producer/credentials.js',
  'dist/src/commands/producer/rotate.js',
  'dist/src/commands/ingest.js',
);
const skip = motoUnavailable();
if (skip) console.warn(`skipping the producer identity tests: ${skip}`);

describe.skipIf(skip !== undefined)('the producer identity on the aws target (built CLI, moto)', () => {
  let moto: MotoServer;
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  let env: NodeJS.ProcessEnv;
  let credentialsFile: string;
  let key: { AccessKeyId: string; SecretAccessKey: string };
  const aws = () => ({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });

  beforeAll(async () => {
    moto = await startMoto();
    dirs = await tempDirs('streamproc-producer-');
    credentialsFile = join(dirs.root, 'aws-credentials');
    env = dirs.env({
      ...motoEnv(moto.endpoint),
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    });
    expect(
      (await runCli(['init', '--yes', '--stack', 'p', '--target', 'aws', '--region', 'us-east-1'], { env })).code,
    ).toBe(0);
    const deploy = await runCli(['deploy', '--stack', 'p', '--yes', '--producer-identity'], { env, timeoutMs: 90_000 });
    expect(deploy.code, deploy.stderr).toBe(0);
    const iam = new IAMClient(aws());
    key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'p-Producer' }))).AccessKey as typeof key;
    iam.destroy();
    const secrets = new SecretsManagerClient(aws());
    await secrets.send(
      new CreateSecretCommand({
        Name: 'p/producer-credentials',
        SecretString: JSON.stringify({
          accessKeyId: key.AccessKeyId,
          secretAccessKey: key.SecretAccessKey,
          region: 'us-east-1',
          streamName: 'p-EventStream',
        }),
      }),
    );
    secrets.destroy();
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
    await dirs?.cleanup();
  });

  it('writes a profile the SDK reads, keeping the other profiles and comments, mode 0600, the secret never printed', async () => {
    // Prepare: a credentials file the user already has
    const before = '# my keys\n[default]\naws_access_key_id = AKIAUSER\naws_secret_access_key = usersecret\n';
    await writeFile(credentialsFile, before, { mode: 0o644 });
    // Act
    const result = await runCli(['producer', 'credentials', '--stack', 'p'], { env });
    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Wrote profile streamproc-p-producer to ${credentialsFile}`);
    expect(result.stdout).toContain('user/p-Producer');
    expect(result.stdout + result.stderr).not.toContain(key.SecretAccessKey);
    const text = await readFile(credentialsFile, 'utf8');
    expect(text.startsWith(before)).toBe(true);
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
    const read = await fromIni({ profile: 'streamproc-p-producer', filepath: credentialsFile })();
    expect(read).toMatchObject({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey });
    // Written again: replaced in place, not duplicated
    expect((await runCli(['producer', 'credentials', '--stack', 'p'], { env })).code).toBe(0);
    expect((await readFile(credentialsFile, 'utf8')).match(/\[streamproc-p-producer\]/g)).toHaveLength(1);
  });

  it('prints export lines only with --stdout --yes, and the secret never in --json', async () => {
    const refused = await runCli(['producer', 'credentials', '--stack', 'p', '--stdout'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--stdout prints the secret access key');
    const printed = await runCli(['producer', 'credentials', '--stack', 'p', '--stdout', '--yes'], { env });
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`export AWS_SECRET_ACCESS_KEY=${key.SecretAccessKey}`);
    expect(printed.stderr).toContain('keep them secret');
    const json = await runCli(['producer', 'credentials', '--stack', 'p', '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toContain(key.SecretAccessKey);
    expect(JSON.parse(json.stdout)).toMatchObject({ profile: 'streamproc-p-producer', streamName: 'p-EventStream' });
  });

  it('ingest --as-producer sends with the producer key and says which identity sent', async () => {
    // Act
    const result = await runCli(['ingest', '--stack', 'p', '--as-producer', '--synthetic', '--count', '20', '--json'], {
      env,
      timeoutMs: 60_000,
    });
    // Assess
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ sent: 20, identity: { as: 'producer' } });
    expect(summary.identity.arn).toMatch(/:user\/p-Producer$/);
    expect(result.stdout + result.stderr).not.toContain(key.SecretAccessKey);
    // Without the flag: the operator
    const operator = await runCli(['ingest', '--stack', 'p', '--synthetic', '--count', '1', '--json'], { env });
    expect(JSON.parse(operator.stdout).identity).toEqual({ as: 'operator', arn: null });
  });

  it('init --ingest-as producer makes the producer the default, and --no-as-producer overrides it for one run', async () => {
    // Prepare
    const init = await runCli(['init', '--yes', '--stack', 'p', '--ingest-as', 'producer'], { env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/ingest as +│? *producer/);
    // Act
    const byDefault = await runCli(['ingest', '--stack', 'p', '--synthetic', '--count', '2', '--json'], { env });
    const overridden = await runCli(
      ['ingest', '--stack', 'p', '--no-as-producer', '--synthetic', '--count', '2', '--json'],
      {
        env,
      },
    );
    // Assess
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(JSON.parse(byDefault.stdout).identity.as).toBe('producer');
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(JSON.parse(overridden.stdout).identity.as).toBe('operator');
    // Back to the operator for the other tests' sake
    expect((await runCli(['init', '--yes', '--stack', 'p', '--ingest-as', 'operator'], { env })).code).toBe(0);
  });

  /** The producer user's key ids, as IAM lists them. */
  const keyIds = async (user: string) => {
    const iam = new IAMClient(aws());
    try {
      const listed = await iam.send(new ListAccessKeysCommand({ UserName: user }));
      return (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId).sort();
    } finally {
      iam.destroy();
    }
  };

  /** The secret set to a key id (moto checks no signatures, so any secret access key signs). */
  const putSecret = async (name: string, accessKeyId: string) => {
    const secrets = new SecretsManagerClient(aws());
    const value = { accessKeyId, secretAccessKey: 'moto-checks-no-signature', region: 'us-east-1' };
    try {
      await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(value) }));
    } catch {
      await secrets.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    } finally {
      secrets.destroy();
    }
  };

  it('producer rotate finishes a rotation whose old key is still there: proves the secret’s key, refreshes the profile, deletes the other key', async () => {
    // Prepare: the secret holds CloudFormation's key and the user still has another one (the test's),
    // as after an update that replaced the key and retained the old one; the profile streamproc
    // wrote is there
    const before = await keyIds('p-Producer');
    expect(before).toHaveLength(2);
    const managed = before.find((id) => id !== key.AccessKeyId) as string;
    await putSecret('p/producer-credentials', managed);
    // Act
    const result = await runCli(['producer', 'rotate', '--stack', 'p', '--json'], { env, timeoutMs: 60_000 });
    // Assess
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      oldKeyId: key.AccessKeyId,
      newKeyId: managed,
      resumed: true,
      serial: null,
      deleted: [key.AccessKeyId],
      profilesRefreshed: ['streamproc-p-producer'],
      credentialsFile,
      testRecord: { streamName: 'p-EventStream' },
    });
    expect(summary.testRecord.sequenceNumber).toMatch(/^\d+$/);
    expect(result.stdout + result.stderr).not.toContain('moto-checks-no-signature');
    expect(await keyIds('p-Producer')).toEqual([managed]);
    const read = await fromIni({ profile: 'streamproc-p-producer', filepath: credentialsFile, ignoreCache: true })();
    expect(read.accessKeyId).toBe(managed);
  });

  it('producer rotate deploys ProducerKeySerial + 1 through the usual deploy; a secret that did not follow stops it before any delete', async () => {
    // Prepare: a second stack, its secret holding CloudFormation's key
    expect(
      (await runCli(['init', '--yes', '--stack', 'q', '--target', 'aws', '--region', 'us-east-1'], { env })).code,
    ).toBe(0);
    const first = await runCli(['deploy', '--stack', 'q', '--yes', '--producer-identity'], { env, timeoutMs: 90_000 });
    expect(first.code, first.stderr).toBe(0);
    const [original] = await keyIds('q-Producer');
    await putSecret('q/producer-credentials', original as string);
    // Act
    const rotate = await runCli(['producer', 'rotate', '--stack', 'q'], { env, timeoutMs: 90_000 });
    // Assess: the deploy ran (change set, events) and CloudFormation replaced the key (moto deletes
    // the old one at once: it ignores UpdateReplacePolicy); moto creates no secret, so the stand-in
    // did not follow and rotate stops there, deleting nothing
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toContain(`Replacing key ${original} (ProducerKeySerial 1 → 2)`);
    expect(rotate.stderr).toContain('Creating the change set (UPDATE)');
    expect(rotate.stderr).toContain(
      `The deploy did not replace the producer's key: the secret still holds ${original}`,
    );
    const replaced = await keyIds('q-Producer');
    expect(replaced).toHaveLength(1);
    expect(replaced).not.toEqual([original]);
    const cfn = new CloudFormationClient(aws());
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'q' }))).Stacks?.[0];
    cfn.destroy();
    expect(stack?.Parameters?.find((p) => p.ParameterKey === 'ProducerKeySerial')?.ParameterValue).toBe('2');
    // (Run again, AWS would list the new key as ProducerAccessKey and rotate would refuse to treat
    // it as a left-over; moto's resource list keeps the replaced key's id, so that is tested with
    // mocks: 'touches nothing when the secret does not hold the stack’s own key'.)
  });
});

describe('producer rotate on the local target (built CLI)', () => {
  it('says plainly that the local engine has no identities, exit 2', async () => {
    const dirs = await tempDirs('streamproc-rotate-local-');
    try {
      const env = dirs.env({});
      expect((await runCli(['init', '--yes', '--stack', 'l', '--target', 'local'], { env })).code).toBe(0);
      const result = await runCli(['producer', 'rotate', '--stack', 'l'], { env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('producer rotate needs the aws target: the local engine has no identities');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await dirs.cleanup();
    }
  });
});
