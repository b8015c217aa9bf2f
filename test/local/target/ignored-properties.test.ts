/**
 * A local deploy names every event source mapping or function property of the template that the
 * engine does not apply, through the reporter's warn, before anything starts (nothing silently
 * ignored; properties from
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultStackSettings } from '../../../src/config/settings.js';
import { deploy } from '../../../src/local/target/deploy.js';
import { type CfnTemplate, loadTemplate, resolveParameters } from '../../../src/stack/template.js';
import { recordingReporter } from '../../helpers/recording-reporter.js';

vi.mock('../../../src/stack/template.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/stack/template.js')>();
  return {
    ...original,
    // The bundled template with properties a user might add that the engine does not implement.
    loadTemplate: async (path?: string): Promise<CfnTemplate> => {
      const template = await original.loadTemplate(path);
      const mapping = template.Resources.EventSourceMapping as { Properties: Record<string, unknown> };
      mapping.Properties.MetricsConfig = { Metrics: ['EventCount'] };
      const fn = template.Resources.EventProcessorFunction as { Properties: Record<string, unknown> };
      fn.Properties.ReservedConcurrentExecutions = 2;
      return template;
    },
  };
});

let root: string;
const saved = process.env.STREAMPROC_DATA_DIR;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-ignored-'));
  process.env.STREAMPROC_DATA_DIR = root;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.STREAMPROC_DATA_DIR;
  else process.env.STREAMPROC_DATA_DIR = saved;
  await rm(root, { recursive: true, force: true });
});

describe('local deploy and properties the engine does not apply', () => {
  it('warns about each one, naming the resource, the property and why', async () => {
    // Prepare: a processor that does not exist stops the deploy right after its checks.
    const recorded = recordingReporter();
    const parameters = resolveParameters(await loadTemplate(), {});
    // Act
    const attempt = deploy({
      stack: { name: 'demo', settings: defaultStackSettings(), configured: false, file: '' },
      parameters,
      processorEntry: join(root, 'no-such-handler.ts'),
      reporter: recorded.reporter,
      confirm: async () => false,
      signal: new AbortController().signal,
    });
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'PROCESSOR_MISSING' });
    expect(recorded.warnings()).toEqual([
      'EventSourceMapping MetricsConfig is not applied by the local engine: no CloudWatch metrics locally (the engine log has mapping progress lines)',
      'EventProcessorFunction ReservedConcurrentExecutions is not applied by the local engine: the engine runs one execution environment per shard and concurrent batch (ParallelizationFactor), without a concurrency limit',
    ]);
  });
});
