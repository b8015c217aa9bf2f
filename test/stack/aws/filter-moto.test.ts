/**
 * `deploy --filter`, `--starting-timestamp` and `--disable-mapping` on the aws target against
 * `python3 -m moto.server`: the patterns reach CloudFormation as parameters, and the template it
 * was sent sets the event source mapping's FilterCriteria from them
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html).
 * moto creates the mapping but does not copy FilterCriteria onto it, so the property is checked by
 * resolving the stored template's conditions with the stack's stored parameters.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStack, updateStackSettings } from '../../../src/config/store.js';
import { evaluate, evaluateConditions } from '../../../src/local/target/intrinsics.js';
import { awsTarget } from '../../../src/stack/aws/target.js';
import { deployStack } from '../../../src/stack/deploy.js';
import type { MappingFlags } from '../../../src/stack/mapping-flags.js';
import { parseTemplate } from '../../../src/stack/template.js';
import { type MotoServer, motoEnv, motoUnavailable, startMoto } from '../../helpers/moto-server.js';
import { recordingReporter } from '../../helpers/recording-reporter.js';

const skip = motoUnavailable();
if (skip) console.warn(`skipping the moto filter tests: ${skip}`);

const EN = '{"data":{"lang":["en"]}}';
const DE = '{"data":{"lang":["de"]}}';

describe.skipIf(skip !== undefined)('aws target mapping flags against moto', () => {
  let moto: MotoServer;
  let dir: string;
  let file: string;

  async function deploy(name: string, mappingFlags: MappingFlags) {
    await updateStackSettings(
      name,
      (current) => ({ target: 'aws', region: 'us-east-1', keywords: ['aws'], retentionDays: 30, ...current }),
      { file },
    );
    const { result } = await deployStack({
      stack: await resolveStack(name, { file }),
      mappingFlags,
      reporter: recordingReporter().reporter,
      confirm: async () => true,
      signal: new AbortController().signal,
      target: awsTarget({ timings: { pollMs: 50, changeSetPollMs: 50 } }),
    });
    return result;
  }

  /** The mapping's FilterCriteria as CloudFormation resolves the template it stored with the stack's parameters. */
  async function resolvedFilterCriteria(name: string): Promise<unknown> {
    const { GetTemplateCommand } = await import('@aws-sdk/client-cloudformation');
    const { createCloudFormationClient } = await import('../../../src/aws/clients.js');
    const cfn = await createCloudFormationClient({ region: 'us-east-1' });
    const stored = await cfn.send(new GetTemplateCommand({ StackName: name }));
    cfn.destroy();
    const template = parseTemplate(stored.TemplateBody ?? '');
    const base = { parameters: await stackParameters(name), pseudo: {}, refs: {}, attributes: {} };
    const ctx = { ...base, conditions: evaluateConditions(template.Conditions, base) };
    const properties = template.Resources.EventSourceMapping?.Properties as Record<string, unknown>;
    return evaluate({ FilterCriteria: properties.FilterCriteria }, ctx);
  }

  async function stackParameters(name: string): Promise<Record<string, string>> {
    const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const { createCloudFormationClient } = await import('../../../src/aws/clients.js');
    const cfn = await createCloudFormationClient({ region: 'us-east-1' });
    const described = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    cfn.destroy();
    return Object.fromEntries(
      (described.Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
    );
  }

  /**
   * ListEventSourceMappings over moto's REST API (the project has no Lambda SDK client; moto routes
   * by the credential scope and does not check signatures).
   */
  async function mappingOf(functionName: string) {
    const response = await fetch(
      `${moto.endpoint}/2015-03-31/event-source-mappings/?FunctionName=${encodeURIComponent(functionName)}`,
      {
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
    );
    expect(response.status).toBe(200);
    const listed = (await response.json()) as {
      EventSourceMappings?: { FunctionArn?: string; FilterCriteria?: { Filters?: { Pattern?: string }[] } }[];
    };
    return listed.EventSourceMappings?.[0];
  }

  beforeAll(async () => {
    moto = await startMoto();
    dir = await mkdtemp(join(tmpdir(), 'streamproc-filter-moto-'));
    file = join(dir, 'config.json');
    Object.assign(process.env, motoEnv(moto.endpoint));
  });

  afterAll(async () => {
    await moto?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--filter: FilterPattern parameters reach CloudFormation and the stored template resolves them to FilterCriteria', async () => {
    const result = await deploy('flt', { filter: [EN, DE] });
    expect(result.status).toBe('created');
    expect(await stackParameters('flt')).toMatchObject({
      FilterPattern1: EN,
      FilterPattern2: DE,
      FilterPattern3: '',
      MappingEnabled: 'true',
      StartingPosition: 'TRIM_HORIZON',
    });
    expect(await resolvedFilterCriteria('flt')).toEqual({
      FilterCriteria: { Filters: [{ Pattern: EN }, { Pattern: DE }] },
    });
    expect((await mappingOf('flt-DDBEventProcessor'))?.FunctionArn).toMatch(/function:flt-DDBEventProcessor$/);
  });

  it('without --filter the mapping has no FilterCriteria', async () => {
    await deploy('nof', {});
    expect((await stackParameters('nof')).FilterPattern1).toBe('');
    expect(await resolvedFilterCriteria('nof')).toEqual({});
    const mapping = await mappingOf('nof-DDBEventProcessor');
    expect(mapping?.FunctionArn).toMatch(/function:nof-DDBEventProcessor$/);
    expect(mapping?.FilterCriteria?.Filters ?? []).toEqual([]);
  });

  it('--starting-timestamp and --disable-mapping reach the stack parameters', async () => {
    await deploy('ts', { startingTimestamp: '2026-01-31T12:00:00Z', disableMapping: true });
    expect(await stackParameters('ts')).toMatchObject({
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: String(Date.parse('2026-01-31T12:00:00Z') / 1000),
      MappingEnabled: 'false',
    });
  });
});
