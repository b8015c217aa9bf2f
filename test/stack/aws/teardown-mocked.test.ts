/** Pre-flight and teardown on the aws target against aws-sdk-client-mock. */
import { readFile } from 'node:fs/promises';
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectTaggingCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, loadFixture, REGION, ScriptedStack } from '../../helpers/cfn-script.js';
import {
  caught,
  cfn,
  configuredStack,
  deployOptions,
  OUTPUTS,
  s3,
  settingsFile,
  sts,
  target,
  useMockedAws,
  wire,
} from '../../helpers/mocked-aws.js';
import { recordingReporter } from '../../helpers/recording-reporter.js';

useMockedAws();

describe('pre-flight (mocked AWS)', () => {
  it('needs a region before calling AWS', async () => {
    const { reporter } = recordingReporter();
    const stack = await configuredStack({ region: undefined });
    const error = await caught(target().deploy(deployOptions(stack, reporter)));
    expect(error.code).toBe('AWS_NO_REGION');
    expect(error.hint).toContain('--region');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('turns missing credentials into one line with the fix, before creating anything', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const { reporter } = recordingReporter();
    const error = await caught(target().deploy(deployOptions(await configuredStack(), reporter)));
    expect(error.code).toBe('AWS_NO_CREDENTIALS');
    expect(error.hint).toMatch(/aws configure|aws sso login/);
    expect(s3.calls()).toHaveLength(0);
    expect(cfn.calls()).toHaveLength(0);
  });

  it('reports expired credentials with the profile to sign in again', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }),
      );
    const { reporter } = recordingReporter();
    const error = await caught(target().deploy(deployOptions(await configuredStack({ profile: 'dev' }), reporter)));
    expect(error.code).toBe('AWS_CREDENTIALS_EXPIRED');
    expect(error.hint).toContain('aws sso login --profile dev');
  });

  it('rejects an invalid stack name', async () => {
    const { reporter } = recordingReporter();
    const stack = { ...(await configuredStack()), name: '9-bad_name' };
    const error = await caught(target().deploy(deployOptions(stack, reporter)));
    expect(error.code).toBe('STACK_NAME');
    expect(sts.calls()).toHaveLength(0);
  });
});

describe('teardown (mocked AWS)', () => {
  it('reports DELETE_FAILED with the resource to fix, root cause first', async () => {
    const stack = new ScriptedStack('t1', { status: 'UPDATE_COMPLETE' });
    wire(stack, { onDelete: loadFixture('delete-failed') });
    const recorded = recordingReporter();
    const error = await caught(
      target().teardown({
        stack: await configuredStack(),
        keepData: false,
        reporter: recorded.reporter,
        signal: new AbortController().signal,
      }),
    );
    expect(error.message).toMatch(
      /^Teardown of stack t1 failed: EventDataTable \(AWS::DynamoDB::Table\) DELETE_FAILED: .*deletion protection enabled.*; the stack is now DELETE_FAILED$/,
    );
    expect(error.hint).toContain('t1-EventData');
    expect(error.hint).toContain('--retain-resources EventDataTable');
    const [summary] = recorded.ofType('failedResources');
    expect(summary?.events[0]).toMatchObject({ logicalId: 'EventDataTable', status: 'DELETE_FAILED' });
  });

  it('deletes the stack, its staged bundle and the saved outputs', async () => {
    const stack = new ScriptedStack('t1', { status: 'UPDATE_COMPLETE' });
    stack.parameters = { CodeS3Bucket: `streamproc-assets-${ACCOUNT}-${REGION}`, CodeS3Key: 'processor/abc.zip' };
    wire(stack);
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'processor/abc.zip' }, { Key: 'processor/other.zip' }] });
    s3.on(GetObjectTaggingCommand, { Key: 'processor/other.zip' }).resolves({
      TagSet: [{ Key: 'streamproc:stacks', Value: 'prod' }],
    });
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    s3.on(DeleteObjectCommand).resolves({});
    const resolved = await configuredStack({ outputs: OUTPUTS });
    const { reporter } = recordingReporter();
    const result = await target().teardown({
      stack: resolved,
      keepData: false,
      reporter,
      signal: new AbortController().signal,
    });
    expect(result.existed).toBe(true);
    expect(result.deleted).toContain(`s3://streamproc-assets-${ACCOUNT}-${REGION}/processor/abc.zip`);
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['processor/abc.zip']);
    const saved = JSON.parse(await readFile(settingsFile(), 'utf8'));
    expect(saved.stacks.t1.outputs).toBeUndefined();
  });

  it('is a success that says so when the stack does not exist', async () => {
    wire(new ScriptedStack('t1'));
    const recorded = recordingReporter();
    const result = await target().teardown({
      stack: await configuredStack(),
      keepData: false,
      reporter: recorded.reporter,
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ existed: false, deleted: [] });
    expect(recorded.infos().some((l) => l.includes('does not exist'))).toBe(true);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});
