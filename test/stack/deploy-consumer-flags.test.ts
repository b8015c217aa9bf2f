/**
 * deploy's --parallelization-factor, --tumbling-window and --consumer flags: template parameters,
 * saved for the next deploy, and refused on one line with a hint when out of range or missing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defaultStackSettings } from '../../src/config/settings.js';
import {
  flagParameters,
  resolveDeployParameters,
  settingsWithFlagParameters,
} from '../../src/stack/deploy-parameters.js';
import { loadTemplate } from '../../src/stack/template.js';
import { tempDirs } from '../helpers/cli.js';
import { runCommand } from '../helpers/run-command.js';

const dirs = await tempDirs('streamproc-consumer-flags-');
afterAll(() => dirs.cleanup());

describe('--parallelization-factor and --tumbling-window', () => {
  it('set ParallelizationFactor and TumblingWindowInSeconds, and are saved like the other mapping flags', async () => {
    // Act
    const flags = flagParameters({ 'parallelization-factor': 4, 'tumbling-window': 60 });
    const saved = settingsWithFlagParameters(defaultStackSettings(), flags);
    // Assess
    expect(flags).toEqual({ ParallelizationFactor: '4', TumblingWindowInSeconds: '60' });
    expect(saved.parameters).toMatchObject({ ParallelizationFactor: '4', TumblingWindowInSeconds: '60' });
    const { values } = resolveDeployParameters(await loadTemplate(), flags);
    expect(values).toMatchObject({ ParallelizationFactor: '4', TumblingWindowInSeconds: '60' });
  });

  it.each([
    ['--parallelization-factor', '0', '1 to 10'],
    ['--parallelization-factor', '11', '1 to 10'],
    ['--tumbling-window', '-1', '0 to 900'],
    ['--tumbling-window', '901', '0 to 900'],
  ])('%s %s is refused on one line with a hint', async (flag, value, range) => {
    const result = await runCommand(['deploy', `${flag}=${value}`], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${flag} ${value} is out of range: it must be ${range}`);
    expect(result.stderr).toMatch(/e\.g\. --/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('--consumer', () => {
  it('refuses a handler file that does not exist, naming the flag', async () => {
    const result = await runCommand(['deploy', '--consumer', 'no-such-consumer.ts'], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--consumer');
    expect(result.stderr).toContain('no-such-consumer.ts: no such file');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('cannot be given with --no-consumer (or its alias --remove-consumer)', async () => {
    for (const remove of ['--no-consumer', '--remove-consumer']) {
      const result = await runCommand(['deploy', '--consumer', 'x.ts', remove], { dirs });
      expect(result.code, remove).toBe(2);
      expect(result.stderr).toMatch(/cannot also be provided|consumer/);
    }
  });

  it('leaves ConsumerCodeS3Key to deploy: a --parameter for it is ignored, and without one there is no consumer', async () => {
    const template = await loadTemplate();
    const { values, ignored } = resolveDeployParameters(template, { ConsumerCodeS3Key: 'x.zip' });
    expect(ignored).toEqual(['ConsumerCodeS3Key']);
    expect(values.ConsumerCodeS3Key).toBe('');
  });
});
