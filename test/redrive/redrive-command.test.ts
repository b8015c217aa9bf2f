/** `streamproc redrive`'s usage errors, in-process: no terminal and no --yes, an unknown flag, no engine. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/cli.js';
import { runCommand } from '../helpers/run-command.js';

let dirs: Awaited<ReturnType<typeof tempDirs>>;

beforeAll(async () => {
  dirs = await tempDirs('streamproc-redrive-command-');
});
afterAll(async () => {
  await dirs.cleanup();
});

describe('streamproc redrive (usage)', () => {
  it('refuses without a terminal and without --yes: exit 2, one line, the flag to pass', async () => {
    const result = await runCommand(['redrive'], { dirs });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'Error: Refusing to redrive without confirmation (no terminal to ask on)\nHint: Pass --yes to redrive non-interactively, or --dry-run to only look.\n',
    );
    expect(result.stdout).toBe('');
  });

  it('says so in JSON too', async () => {
    const result = await runCommand(['redrive', '--json'], { dirs });

    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'CONFIRM_REQUIRED',
        exit: 2,
        hint: 'Pass --yes to redrive non-interactively, or --dry-run to only look.',
        message: 'Refusing to redrive without confirmation (no terminal to ask on)',
      },
    });
  });

  it('a dry run needs no --yes, and says what to run when the engine is not running', async () => {
    const result = await runCommand(['redrive', '--dry-run'], { dirs });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Error: The local engine for stack streamproc is not running\nHint: Run `streamproc deploy`.\n',
    );
  });
});
