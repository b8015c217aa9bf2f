/**
 * Deploy's mapping flags become template parameters, checked as Lambda checks them
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html: at most 5 filters;
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html:
 * StartingPositionTimestamp "cannot be in the future").
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { resolveDeployParameters } from '../../src/stack/deploy-parameters.js';
import { mappingFlagParameters, withMappingParameters } from '../../src/stack/mapping-flags.js';
import { loadTemplate } from '../../src/stack/template.js';
import { tempDirs } from '../helpers/cli.js';
import { runCommand } from '../helpers/run-command.js';

const EN = '{"data":{"lang":["en"]}}';
const NOW = Date.parse('2026-06-01T00:00:00Z');

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('mappingFlagParameters', () => {
  it('--filter sets FilterPattern1..5, the unused ones empty (it replaces saved patterns)', () => {
    expect(mappingFlagParameters({ filter: [EN, '{"data":{"n":[{"numeric":[">",0]}]}}'] }, NOW)).toEqual({
      FilterPattern1: EN,
      FilterPattern2: '{"data":{"n":[{"numeric":[">",0]}]}}',
      FilterPattern3: '',
      FilterPattern4: '',
      FilterPattern5: '',
    });
    expect(mappingFlagParameters({ clearFilters: true }, NOW)).toMatchObject({
      FilterPattern1: '',
      FilterPattern5: '',
    });
    expect(mappingFlagParameters({}, NOW)).toEqual({});
  });

  it('refuses invalid JSON, an invalid pattern and a sixth filter, each with a hint (exit 2)', () => {
    const bad = usageError(() => mappingFlagParameters({ filter: ['{data:'] }, NOW));
    expect(bad.message).toMatch(/^--filter \{data:: not JSON/);
    expect(bad.exit).toBe(2);
    expect(bad.hint).toMatch(/--filter '\{"data"/);
    expect(usageError(() => mappingFlagParameters({ filter: ['{"partitionKey":["a"]}'] }, NOW)).message).toMatch(
      /only look at the "data" key/,
    );
    const six = Array.from({ length: 6 }, () => EN);
    expect(usageError(() => mappingFlagParameters({ filter: six }, NOW)).message).toBe(
      '6 --filter patterns: Lambda takes at most 5',
    );
  });

  it('--starting-timestamp is ISO-8601, not in the future, and implies AT_TIMESTAMP', () => {
    expect(mappingFlagParameters({ startingTimestamp: '2026-01-31T12:00:00.500Z' }, NOW)).toEqual({
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: String(Date.parse('2026-01-31T12:00:00.500Z') / 1000),
    });
    expect(usageError(() => mappingFlagParameters({ startingTimestamp: 'yesterday' }, NOW)).message).toMatch(
      /not an ISO-8601 time/,
    );
    expect(usageError(() => mappingFlagParameters({ startingTimestamp: '2027-01-01T00:00:00Z' }, NOW)).message).toMatch(
      /in the future/,
    );
    expect(
      usageError(() => mappingFlagParameters({ startingTimestamp: '2026-01-01', startingPosition: 'LATEST' }, NOW))
        .message,
    ).toMatch(/needs --starting-position AT_TIMESTAMP/);
    expect(mappingFlagParameters({ startingPosition: 'LATEST' }, NOW)).toEqual({ StartingPosition: 'LATEST' });
  });

  it('--enable-mapping / --disable-mapping set MappingEnabled', () => {
    expect(mappingFlagParameters({ disableMapping: true }, NOW)).toEqual({ MappingEnabled: 'false' });
    expect(mappingFlagParameters({ enableMapping: true }, NOW)).toEqual({ MappingEnabled: 'true' });
  });

  it('a --parameter for the same name must agree with the flag', () => {
    expect(() => withMappingParameters({ MappingEnabled: 'true' }, { MappingEnabled: 'false' })).toThrow(/contradicts/);
    expect(withMappingParameters({ BatchSize: '5' }, { MappingEnabled: 'false' })).toEqual({
      BatchSize: '5',
      MappingEnabled: 'false',
    });
  });
});

describe('resolveDeployParameters (mapping parameters)', () => {
  it('checks filter patterns given as --parameter, and AT_TIMESTAMP without a timestamp', async () => {
    const template = await loadTemplate();
    const overrides = { CodeS3Bucket: 'bucket', CodeS3Key: 'key' };
    expect(
      usageError(() => resolveDeployParameters(template, { ...overrides, FilterPattern2: '{"data":{"a":"x"}}' }))
        .message,
    ).toMatch(/^FilterPattern2 .*must be a list of rules/);
    expect(
      usageError(() => resolveDeployParameters(template, { ...overrides, StartingPosition: 'AT_TIMESTAMP' })).message,
    ).toMatch(/needs a StartingPositionTimestamp/);
    const { values } = resolveDeployParameters(template, { ...overrides, FilterPattern1: EN });
    expect(values).toMatchObject({ FilterPattern1: EN, FilterPattern2: '', MappingEnabled: 'true' });
  });
});

describe('streamproc deploy mapping flags (in-process)', () => {
  it('bad --filter values are usage errors on one line with a hint, before anything starts', async () => {
    const dirs = await tempDirs();
    try {
      const notJson = await runCommand(['deploy', '--filter', '{"data":'], { dirs });
      expect(notJson.code).toBe(2);
      expect(notJson.stderr).toMatch(/--filter \{"data":: not JSON/);
      expect(notJson.stderr).toMatch(/--filter '\{"data":\{"lang":\["en"\]\}\}'/);
      expect(notJson.stderr).not.toMatch(/\n\s+at /);

      const six = await runCommand(['deploy', ...Array.from({ length: 6 }, () => ['--filter', EN]).flat()], { dirs });
      expect(six.code).toBe(2);
      expect(six.stderr).toContain('6 --filter patterns: Lambda takes at most 5');

      const future = await runCommand(['deploy', '--starting-timestamp', '2999-01-01T00:00:00Z'], { dirs });
      expect(future.code).toBe(2);
      expect(future.stderr).toContain('is in the future');

      const both = await runCommand(['deploy', '--enable-mapping', '--disable-mapping'], { dirs });
      expect(both.code).toBe(2);

      // Nothing was deployed: no stack data directory, no engine.
      expect(existsSync(`${dirs.dataDir}/stacks`)).toBe(false);
    } finally {
      await dirs.cleanup();
    }
  });
});
