import { describe, expect, it } from 'vitest';
import { defaultStackSettings, type StackSettings } from '../../src/config/settings.js';
import { UsageError } from '../../src/errors.js';
import {
  deployParameterOverrides,
  flagParameters,
  parseParameterAssignments,
  settingsWithFlagParameters,
  validateDeployParameters,
} from '../../src/stack/deploy-parameters.js';

const settings = (over: Partial<StackSettings> = {}): StackSettings => ({ ...defaultStackSettings(), ...over });

describe('deploy parameters', () => {
  it('layers saved parameters < retention setting < flags', async () => {
    // Prepare
    const stack = settings({
      retentionDays: 9,
      parameters: { BatchSize: '10', DataRetentionDays: '1', LogLevel: 'debug' },
    });
    const flags = flagParameters({ 'batch-size': 20 }, []);
    // Act
    const values = await validateDeployParameters(deployParameterOverrides(stack, flags));
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
    await expect(validateDeployParameters({ BatchSize: '0' })).rejects.toThrow(/BatchSize: must be at least 1/);
    await expect(validateDeployParameters({ MaximumRecordAgeInSeconds: '30' })).rejects.toBeInstanceOf(UsageError);
    await expect(validateDeployParameters({ Nope: '1' })).rejects.toThrow(/Unknown template parameter "Nope"/);
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
