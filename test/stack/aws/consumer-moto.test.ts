/**
 * `deploy --consumer FILE` on the aws target against `python3 -m moto.server`: the consumer's
 * bundle is staged in S3 beside the processor's and its key passed as ConsumerCodeS3Key, so the
 * template's HasConsumer condition adds a second function with its own event source mapping on
 * the same stream (two mappings on one Kinesis stream, each with its own position, as
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html describes); a later deploy
 * without the flag keeps it, and `--no-consumer` sends an empty key (HasConsumer false).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStack, updateStackSettings } from '../../../src/config/store.js';
import { awsTarget } from '../../../src/stack/aws/target.js';
import { deployStack } from '../../../src/stack/deploy.js';
import { HANDLERS } from '../../helpers/mapping-harness.js';
import { type MotoServer, motoEnv, motoUnavailable, startMoto } from '../../helpers/moto-server.js';
import { recordingReporter } from '../../helpers/recording-reporter.js';

const skip = motoUnavailable();
if (skip) console.warn(`skipping the moto consumer tests: ${skip}`);

const STACK = 'cns';

describe.skipIf(skip !== undefined)('aws target second consumer against moto', () => {
  let moto: MotoServer;
  let dir: string;
  let file: string;

  async function deploy(
    consumerEntry?: string | false,
    code: { processorEntry?: string; keepProcessorCode?: boolean } = {},
  ) {
    await updateStackSettings(
      STACK,
      (current) => ({ target: 'aws', region: 'us-east-1', keywords: ['aws'], retentionDays: 30, ...current }),
      { file },
    );
    const { result } = await deployStack({
      stack: await resolveStack(STACK, { file }),
      ...(consumerEntry !== undefined ? { consumerEntry } : {}),
      ...code,
      reporter: recordingReporter().reporter,
      confirm: async () => true,
      signal: new AbortController().signal,
      target: awsTarget({ timings: { pollMs: 50, changeSetPollMs: 50 } }),
    });
    return result;
  }

  async function stackParameters(): Promise<Record<string, string>> {
    const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const { createCloudFormationClient } = await import('../../../src/aws/clients.js');
    const cfn = await createCloudFormationClient({ region: 'us-east-1' });
    const described = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    cfn.destroy();
    return Object.fromEntries(
      (described.Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
    );
  }

  /** ListEventSourceMappings over moto's REST API (the project has no Lambda SDK client). */
  async function mappingsOf(functionName: string) {
    const response = await fetch(
      `${moto.endpoint}/2015-03-31/event-source-mappings/?FunctionName=${encodeURIComponent(functionName)}`,
      {
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
    );
    if (response.status === 404) return [];
    expect(response.status).toBe(200);
    const listed = (await response.json()) as {
      EventSourceMappings?: { UUID?: string; EventSourceArn?: string; FunctionArn?: string; BatchSize?: number }[];
    };
    return listed.EventSourceMappings ?? [];
  }

  beforeAll(async () => {
    moto = await startMoto();
    dir = await mkdtemp(join(tmpdir(), 'streamproc-consumer-moto-'));
    file = join(dir, 'config.json');
    Object.assign(process.env, motoEnv(moto.endpoint));
  });

  afterAll(async () => {
    await moto?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('without --consumer the stack has one function and one mapping, as before', async () => {
    const result = await deploy();
    expect(result.status).toBe('created');
    expect((await stackParameters()).ConsumerCodeS3Key).toBe('');
    expect(result.outputs.ConsumerFunctionName).toBeUndefined();
    expect(await mappingsOf(`${STACK}-DDBEventProcessor`)).toHaveLength(1);
  });

  it('--consumer stages its bundle and adds a second function with its own mapping on the same stream', async () => {
    // Act
    const result = await deploy(join(HANDLERS, 'recorder.mjs'));
    expect(result.status).toBe('updated');
    // Assess
    const parameters = await stackParameters();
    expect(parameters.ConsumerCodeS3Key).toMatch(/^processor\/[0-9a-f]{64}\.zip$/);
    expect(parameters.ConsumerCodeS3Key).not.toBe(parameters.CodeS3Key);
    const [processor] = await mappingsOf(`${STACK}-DDBEventProcessor`);
    const [consumer] = await mappingsOf(`${STACK}-Consumer`);
    expect(consumer?.EventSourceArn).toBe(processor?.EventSourceArn);
    expect(consumer?.EventSourceArn).toContain(`stream/${STACK}-EventStream`);
    expect(consumer?.UUID).not.toBe(processor?.UUID);
    expect(consumer?.FunctionArn).toContain(`function:${STACK}-Consumer`);
  });

  it('a deploy without the flag keeps the consumer; --no-consumer removes it', async () => {
    const kept = (await stackParameters()).ConsumerCodeS3Key;
    await deploy();
    expect((await stackParameters()).ConsumerCodeS3Key).toBe(kept);

    // moto answers a change set that only turns a condition off with "no changes", so what is
    // checked here is what deploy sent: an empty key, which makes HasConsumer false on AWS.
    const removed = await deploy(false);
    expect((removed.details.parameters as Record<string, string>).ConsumerCodeS3Key).toBe('');
    expect(await mappingsOf(`${STACK}-DDBEventProcessor`)).toHaveLength(1);
  });

  it('keepProcessorCode (producer rotate’s deploy) keeps a custom processor; a plain deploy packages the built-in one', async () => {
    // Prepare: a custom processor deployed.
    await deploy(undefined, { processorEntry: join(HANDLERS, 'recorder.mjs') });
    const custom = (await stackParameters()).CodeS3Key;
    // Act
    const kept = await deploy(undefined, { keepProcessorCode: true });
    const plain = await deploy();
    // Assess
    expect(kept.details.processor).toMatchObject({ source: 'kept', key: custom, uploaded: false });
    expect((kept.details.parameters as Record<string, string>).CodeS3Key).toBe(custom);
    expect(plain.details.processor).toMatchObject({ source: 'prebuilt' });
    expect((plain.details.parameters as Record<string, string>).CodeS3Key).not.toBe(custom);
  });
});
