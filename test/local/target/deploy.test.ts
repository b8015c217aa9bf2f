/** A local deploy's order: the processor is loaded before any engine is started for it. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultStackSettings } from '../../../src/config/settings.js';
import { stackEnginePaths } from '../../../src/local/engine/paths.js';
import { deploy } from '../../../src/local/target/deploy.js';
import { silentReporter } from '../../../src/progress.js';
import { loadTemplate, resolveParameters } from '../../../src/stack/template.js';

let root: string;
const saved = process.env.STREAMPROC_DATA_DIR;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-deploy-'));
  process.env.STREAMPROC_DATA_DIR = root;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.STREAMPROC_DATA_DIR;
  else process.env.STREAMPROC_DATA_DIR = saved;
  await rm(root, { recursive: true, force: true });
});

describe('local deploy', () => {
  it('fails on a processor that does not exist before any engine starts', async () => {
    // Prepare: the template's defaults, resolved as the deploy service passes them.
    const missing = join(root, 'no-such-handler.ts');
    const parameters = resolveParameters(await loadTemplate(), {});
    // Act
    const attempt = deploy({
      stack: { name: 'demo', settings: defaultStackSettings(), configured: false, file: '' },
      parameters,
      processorEntry: missing,
      reporter: silentReporter,
      confirm: async () => false,
      signal: new AbortController().signal,
    });
    // Assess
    await expect(attempt).rejects.toMatchObject({
      code: 'PROCESSOR_MISSING',
      message: `--processor ${missing}: no such file`,
    });
    const paths = stackEnginePaths('demo');
    expect([paths.state, paths.lock, paths.log].filter((file) => existsSync(file))).toEqual([]);
  });

  it('refuses more shards than a local stream can have before any engine starts (usage error)', async () => {
    // Prepare
    const parameters = resolveParameters(await loadTemplate(), { ShardCount: '100' });
    // Act
    const attempt = deploy({
      stack: { name: 'demo', settings: defaultStackSettings(), configured: false, file: '' },
      parameters,
      reporter: silentReporter,
      confirm: async () => false,
      signal: new AbortController().signal,
    });
    // Assess
    await expect(attempt).rejects.toMatchObject({ exit: 2, code: 'BAD_PARAMETER' });
    const paths = stackEnginePaths('demo');
    expect([paths.state, paths.lock, paths.log].filter((file) => existsSync(file))).toEqual([]);
  });
});
