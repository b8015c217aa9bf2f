/** The deploy service on the aws target, against aws-sdk-client-mock: parameters resolved once, settings written once. */
import { readFile } from 'node:fs/promises';
import { CreateChangeSetCommand } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import type { Reporter } from '../../src/progress.js';
import { deployStack } from '../../src/stack/deploy.js';
import { ACCOUNT, loadFixture, REGION, ScriptedStack } from '../helpers/cfn-script.js';
import {
  caught,
  cfn,
  configuredStack,
  deployOptions,
  OUTPUTS,
  settingsFile,
  sts,
  target,
  useMockedAws,
  wire,
} from '../helpers/mocked-aws.js';
import { recordingReporter } from '../helpers/recording-reporter.js';

useMockedAws();

const BUCKET = `streamproc-assets-${ACCOUNT}-${REGION}`;

/** The parameters CloudFormation was given, by name. */
function changeSetParameters(): Record<string, string | undefined> {
  const input = cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input;
  return Object.fromEntries((input?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
}

const run = (stack: Awaited<ReturnType<typeof configuredStack>>, reporter: Reporter) => ({
  stack,
  reporter,
  confirm: async () => true,
  signal: new AbortController().signal,
  target: target(),
});

describe('deploy service (aws target, mocked AWS)', () => {
  it('rejects a bad parameter as a usage error before calling AWS', async () => {
    // Prepare
    const { reporter } = recordingReporter();
    // Act
    const error = await caught(
      deployStack({
        ...run(await configuredStack(), reporter),
        parameterAssignments: ['MaximumRecordAgeInSeconds=30'],
      }),
    );
    // Assess
    expect(error).toMatchObject({ code: 'BAD_PARAMETER', exit: 2 });
    expect(error.message).toMatch(/MaximumRecordAgeInSeconds/);
    expect(sts.calls()).toHaveLength(0);
  });

  it('hands the target every resolved parameter, and saves the flag parameters and outputs once', async () => {
    // Prepare
    wire(new ScriptedStack('t1'), { onExecute: loadFixture('create-complete') });
    const { reporter } = recordingReporter();
    const stack = await configuredStack({ retentionDays: 9, parameters: { LogLevel: 'debug' } });
    // Act
    const deployed = await deployStack({ ...run(stack, reporter), parameterFlags: { 'batch-size': 50 } });
    // Assess
    expect(changeSetParameters()).toMatchObject({
      BatchSize: '50',
      DataRetentionDays: '9',
      LogLevel: 'debug',
      ShardCount: '1',
      CodeS3Bucket: BUCKET,
    });
    const saved = JSON.parse(await readFile(settingsFile(), 'utf8')).stacks.t1;
    expect(saved.parameters).toEqual({ LogLevel: 'debug', BatchSize: '50' });
    expect(saved.outputs).toEqual(OUTPUTS);
    // Ingest and browse after a deploy (the demo) find the stream through these outputs.
    expect(deployed.stack.settings.outputs).toEqual(OUTPUTS);
  });

  it('leaves the settings to the service: the target alone writes nothing', async () => {
    wire(new ScriptedStack('t1'), { onExecute: loadFixture('create-complete') });
    const { reporter } = recordingReporter();
    const result = await target().deploy(deployOptions(await configuredStack(), reporter));
    expect(result.outputs).toEqual(OUTPUTS);
    const saved = JSON.parse(await readFile(settingsFile(), 'utf8')).stacks.t1;
    expect(saved.outputs).toBeUndefined();
  });

  it('warns about a code location given as a parameter, uses its own, and does not save it', async () => {
    wire(new ScriptedStack('t1'), { onExecute: loadFixture('create-complete') });
    const { reporter, warnings } = recordingReporter();
    await deployStack({ ...run(await configuredStack(), reporter), parameterAssignments: ['CodeS3Bucket=mine'] });
    expect(warnings()).toEqual(['CodeS3Bucket is set by deploy; ignoring --parameter CodeS3Bucket']);
    expect(changeSetParameters().CodeS3Bucket).toBe(BUCKET);
    const saved = JSON.parse(await readFile(settingsFile(), 'utf8')).stacks.t1;
    expect(saved.parameters).toBeUndefined();
  });
});
