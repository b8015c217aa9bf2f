/** Flag errors keep their reason on one line, and numbers beyond exact integers are refused. */
import { describe, expect, it } from 'vitest';
import { flagErrorMessage } from '../src/base-command.js';
import { tempDirs } from './helpers/cli.js';
import { runCommand } from './helpers/run-command.js';

describe('flag errors', () => {
  it("keeps oclif's reason on the one line it prints", () => {
    const oclif =
      'Parsing --shards \n\tExpected an integer greater than or equal to 1 but received: 0\nSee more help with --help';
    expect(flagErrorMessage(oclif)).toBe(
      'Invalid value for --shards: Expected an integer greater than or equal to 1 but received: 0',
    );
    expect(flagErrorMessage('Nonexistent flag: --bogus\nSee more help with --help')).toBe('Nonexistent flag: --bogus');
  });

  it('rejects a bad integer and an integer beyond exact range as usage errors, naming the reason', async () => {
    const dirs = await tempDirs();
    try {
      const shards = await runCommand(['deploy', '--shards', 'abc'], { dirs });
      expect(shards.code).toBe(2);
      expect(shards.stderr).toContain('Error: Invalid value for --shards: Expected an integer but received: abc');

      const seed = await runCommand(['ingest', '--synthetic', '--count', '1', '--seed', '99999999999999999999'], {
        dirs,
      });
      expect(seed.code).toBe(2);
      expect(seed.stderr).toContain('Invalid value for --seed: beyond 9007199254740991');
      expect(seed.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await dirs.cleanup();
    }
  });
});
