/** `deploy --processor PATH` takes only a regular file of sensible size: never a device, FIFO or directory it would hang on. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkProcessorEntry, MAX_PROCESSOR_SOURCE_BYTES } from '../../src/stack/processor-bundle.js';
import { tempDirs } from '../helpers/cli.js';
import { runCommand } from '../helpers/run-command.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-entry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the processor entry', () => {
  it('is refused when it is a device, a FIFO, a directory, missing or huge', async () => {
    const fifo = join(dir, 'handler.fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = join(dir, 'huge.ts');
    await writeFile(huge, '');
    await truncate(huge, MAX_PROCESSOR_SOURCE_BYTES + 1);
    const codes = async (path: string) =>
      checkProcessorEntry(path).then(
        () => 'accepted',
        (error: { code: string; exit: number }) => `${error.code}/${error.exit}`,
      );
    expect(await codes('/dev/zero')).toBe('PROCESSOR_NOT_A_FILE/2');
    expect(await codes(fifo)).toBe('PROCESSOR_NOT_A_FILE/2');
    expect(await codes(dir)).toBe('PROCESSOR_NOT_A_FILE/2');
    expect(await codes(join(dir, 'nope.ts'))).toBe('PROCESSOR_MISSING/2');
    expect(await codes(huge)).toBe('PROCESSOR_TOO_LARGE/2');
  });

  it('accepts a handler source', async () => {
    const handler = join(dir, 'handler.ts');
    await writeFile(handler, 'export const handler = async () => ({});\n');
    await expect(checkProcessorEntry(handler)).resolves.toBeUndefined();
  });

  it('makes `deploy --processor /dev/zero` a usage error at once instead of a silent hang', async () => {
    const dirs = await tempDirs();
    try {
      const result = await runCommand(['deploy', '--processor', '/dev/zero'], { dirs });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Error: --processor /dev/zero is not a regular file');
    } finally {
      await dirs.cleanup();
    }
  });
});
