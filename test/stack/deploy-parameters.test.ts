import { beforeAll, describe, expect, it } from 'vitest';
import { defaultStackSettings, type StackSettings } from '../../src/config/settings.js';
import { UsageError } from '../../src/errors.js';
import {
  deployParameterOverrides,
  flagParameters,
  parseParameterAssignments,
  resolveDeployParameters,
  settingsWithFlagParameters,
} from '../../src/stack/deploy-parameters.js';
import { type CfnTemplate, loadTemplate, parseTemplate } from '../../src/stack/template.js';

const settings = (over: Partial<StackSettings> = {}): StackSettings => ({ ...defaultStackSettings(), ...over });

let template: CfnTemplate;
beforeAll(async () => {
  template = await loadTemplate();
});

/** The bundled template's parameters resolved with these overrides, as a deploy resolves them. */
const validate = async (overrides: Record<string, string>) => resolveDeployParameters(template, overrides).values;

describe('deploy parameters', () => {
  it('layers saved parameters < retention setting < flags', async () => {
    // Prepare
    const stack = settings({
      retentionDays: 9,
      parameters: { BatchSize: '10', DataRetentionDays: '1', LogLevel: 'debug' },
    });
    const flags = flagParameters({ 'batch-size': 20 }, []);
    // Act
    const values = await validate(deployParameterOverrides(stack, flags));
    // Assess
    expect(values).toMatchObject({ BatchSize: '20', DataRetentionDays: '9', LogLevel: 'debug', ShardCount: '1' });
  });

  it('maps the named flags to template parameters and ignores the ones not given', () => {
    const params = flagParameters(
      {
        shards: 2,
        'batching-window': 5,
        memory: 512,
        timeout: 30,
        'producer-identity': 'true',
        'batch-size': undefined,
      },
      ['LogLevel=debug'],
    );
    expect(params).toEqual({
      ShardCount: '2',
      MaximumBatchingWindowInSeconds: '5',
      MemorySize: '512',
      FunctionTimeout: '30',
      CreateProducerIdentity: 'true',
      LogLevel: 'debug',
    });
  });

  it('rejects malformed and contradictory assignments as usage errors', () => {
    expect(() => parseParameterAssignments(['=1'])).toThrow(UsageError);
    expect(() => parseParameterAssignments(['BatchSize'])).toThrow(/expected Name=Value/);
    expect(() => flagParameters({ shards: 2 }, ['ShardCount=3'])).toThrow(/contradicts/);
  });

  it('rejects values the template does not allow, naming the parameter', async () => {
    await expect(validate({ BatchSize: '0' })).rejects.toThrow(/BatchSize: must be at least 1/);
    await expect(validate({ MaximumRecordAgeInSeconds: '30' })).rejects.toBeInstanceOf(UsageError);
    await expect(validate({ Nope: '1' })).rejects.toThrow(/Unknown template parameter "Nope"/);
  });

  it('gives one usage error shape for a bad value: exit 2, BAD_PARAMETER, the hint to --parameter', () => {
    expect(() => resolveDeployParameters(template, { BatchSize: '0' })).toThrow(
      expect.objectContaining({
        name: 'UsageError',
        exit: 2,
        code: 'BAD_PARAMETER',
        hint: 'See `streamproc deploy --help`; parameters are set with --parameter Name=Value.',
      }),
    );
  });

  it('drops the code location deploy sets itself, without checking it, and says which', () => {
    const resolved = resolveDeployParameters(template, {
      CodeS3Bucket: 'not a bucket!',
      CodeS3Key: 'x',
      BatchSize: '7',
    });
    expect(resolved.ignored).toEqual(['CodeS3Bucket', 'CodeS3Key']);
    expect(resolved.values.BatchSize).toBe('7');
    expect(resolved.values.CodeS3Bucket).toBeUndefined();
  });

  it('names a parameter left without a value, except the code location deploy sets', () => {
    const bare = parseTemplate(
      [
        'Parameters:',
        '  Owner: { Type: String }',
        '  CodeS3Bucket: { Type: String }',
        '  BatchSize: { Type: Number, Default: 100 }',
        'Resources: {}',
      ].join('\n'),
    );
    expect(() => resolveDeployParameters(bare, {})).toThrow(
      expect.objectContaining({ message: 'Missing template parameters: Owner', code: 'MISSING_PARAMETER', exit: 2 }),
    );
    expect(resolveDeployParameters(bare, { Owner: 'me' }).values).toEqual({ Owner: 'me', BatchSize: '100' });
  });

  it('saves flag parameters for the next deploy; retention goes to retentionDays', () => {
    const next = settingsWithFlagParameters(settings({ parameters: { LogLevel: 'debug' } }), {
      BatchSize: '50',
      DataRetentionDays: '7',
    });
    expect(next.parameters).toEqual({ LogLevel: 'debug', BatchSize: '50' });
    expect(next.retentionDays).toBe(7);
  });
});
