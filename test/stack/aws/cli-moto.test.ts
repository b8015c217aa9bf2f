/**
 * A new user's path on the aws target, through the built CLI against moto:
 * `init --target aws` → `deploy` → `deploy` again → `teardown` → `teardown` again.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt, runCli, tempDirs } from '../../helpers/cli.js';
import { type MotoServer, motoEnv, motoUnavailable, startMoto } from '../../helpers/moto-server.js';

requireBuilt('dist/src/commands/deploy.js', 'dist/src/commands/teardown.js', 'dist/src/stack/aws/target.js');
const skip = motoUnavailable();
if (skip) console.warn(`skipping the aws CLI tests: ${skip}`);

describe.skipIf(skip !== undefined)('streamproc on the aws target (built CLI, moto)', () => {
  let moto: MotoServer;
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMoto();
    dirs = await tempDirs('streamproc-aws-cli-');
    env = dirs.env(motoEnv(moto.endpoint));
  });

  afterAll(async () => {
    await moto?.stop();
    await dirs?.cleanup();
  });

  it('init → deploy → deploy (unchanged) → teardown → teardown (nothing there)', async () => {
    const init = await runCli(['init', '--yes', '--stack', 't1', '--target', 'aws', '--region', 'us-east-1'], { env });
    expect(init.code, init.stderr).toBe(0);

    const deploy = await runCli(['deploy', '--stack', 't1', '--yes'], { env, timeoutMs: 90_000 });
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stderr).toContain(
      'Deploying stack t1 to account 123456789012 in us-east-1 as arn:aws:sts::123456789012:user/moto',
    );
    expect(deploy.stderr).toMatch(/CREATE_COMPLETE +AWS::CloudFormation::Stack +t1/);
    expect(deploy.stderr).toMatch(/│ Add +│ EventStream +│ AWS::Kinesis::Stream/);
    expect(deploy.stdout).toContain('t1-EventStream');

    const again = await runCli(['deploy', '--stack', 't1', '--yes', '--json'], { env, timeoutMs: 90_000 });
    expect(again.code, again.stderr).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(json).toMatchObject({
      status: 'unchanged',
      outputs: { StreamName: 't1-EventStream', TableName: 't1-EventData' },
    });
    expect(json.details.changeSet).toMatchObject({ type: 'UPDATE', changes: [] });
    // --json keeps the event lines off both streams.
    expect(again.stderr).not.toContain('UPDATE_COMPLETE');

    const teardown = await runCli(['teardown', '--stack', 't1', '--yes'], { env, timeoutMs: 90_000 });
    expect(teardown.code, teardown.stderr).toBe(0);
    expect(teardown.stderr).toMatch(/DELETE_COMPLETE +AWS::CloudFormation::Stack +t1/);

    const twice = await runCli(['teardown', '--stack', 't1', '--yes', '--json'], { env });
    expect(twice.code, twice.stderr).toBe(0);
    expect(JSON.parse(twice.stdout)).toMatchObject({ existed: false });
  });

  it('stops before creating anything when there are no credentials', async () => {
    const bare = { ...env };
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete bare[key];
    Object.assign(bare, {
      AWS_SHARED_CREDENTIALS_FILE: join(dirs.root, 'no-credentials'),
      AWS_CONFIG_FILE: join(dirs.root, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    await runCli(['init', '--yes', '--stack', 't2', '--target', 'aws', '--region', 'us-east-1'], { env: bare });
    const deploy = await runCli(['deploy', '--stack', 't2', '--yes'], { env: bare });
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toContain('No AWS credentials found to deploy stack t2');
    expect(deploy.stderr).toMatch(/Hint: .*aws configure/);
  });
});
