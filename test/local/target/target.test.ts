/** The local target's teardown, describe and endpoints for a stack whose engine never ran. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultStackSettings } from '../../../src/config/settings.js';
import type { ResolvedStack } from '../../../src/config/store.js';
import { UserError } from '../../../src/errors.js';
import { localTarget } from '../../../src/local/target/target.js';
import { silentReporter } from '../../../src/progress.js';

let root: string;
const saved = process.env.STREAMPROC_DATA_DIR;
const stack = (name: string): ResolvedStack => ({
  name,
  settings: defaultStackSettings(),
  configured: false,
  file: '',
});

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-target-'));
  process.env.STREAMPROC_DATA_DIR = root;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.STREAMPROC_DATA_DIR;
  else process.env.STREAMPROC_DATA_DIR = saved;
  await rm(root, { recursive: true, force: true });
});

describe('local target without an engine', () => {
  it('endpoints: says the engine is not running and what to run', async () => {
    const attempt = localTarget().endpoints(stack('demo'));
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toMatchObject({
      message: 'The local engine for stack demo is not running',
      hint: 'Run `streamproc deploy --stack demo`.',
    });
  });

  it('describe and teardown: a stack that was never deployed does not exist', async () => {
    const target = localTarget();
    expect(await target.describe(stack('demo'))).toEqual({ exists: false, resources: [] });
    const result = await target.teardown({
      stack: stack('demo'),
      keepData: false,
      reporter: silentReporter,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ stack: 'demo', target: 'local', existed: false, deleted: [] });
  });
});
