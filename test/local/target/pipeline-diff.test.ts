/** What a deploy changes on a running engine, part by part, and what needs a teardown first. */
import { describe, expect, it } from 'vitest';
import type { LocalPipeline } from '../../../src/local/engine/protocol.js';
import { diffPipeline } from '../../../src/local/target/pipeline-diff.js';
import { localPipelineSpec } from '../../../src/local/target/pipeline-spec.js';
import { loadTemplate, resolveParameters } from '../../../src/stack/template.js';

async function pipeline(overrides: Record<string, string> = {}, sha = 'a'.repeat(64)): Promise<LocalPipeline> {
  const template = await loadTemplate();
  const p = localPipelineSpec(template, {
    stack: 'demo',
    region: 'us-east-1',
    parameters: resolveParameters(template, overrides),
    failureFile: '/f',
    logFile: '/l',
  });
  p.functions[0] = {
    ...(p.functions[0] as (typeof p.functions)[0]),
    bundlePath: `/b/${sha}.mjs`,
    bundleSha: sha,
    bundleBytes: 100,
  };
  return p;
}

describe('diffPipeline', () => {
  it('reports nothing when nothing changed', async () => {
    const diff = diffPipeline(await pipeline(), await pipeline());
    expect(diff).toEqual({ changes: [], stream: false, table: false, mapping: false, blockers: [] });
  });

  it('creates everything on a fresh engine', async () => {
    const diff = diffPipeline(undefined, await pipeline());
    expect(diff).toMatchObject({ stream: true, table: true, mapping: true });
    expect(diff.changes[0]).toBe('create stream demo-EventStream (1 shard)');
  });

  it('applies a new bundle and mapping settings to the mapping only', async () => {
    // Act
    const diff = diffPipeline(await pipeline(), await pipeline({ BatchSize: '50' }, 'b'.repeat(64)));
    // Assess
    expect(diff).toMatchObject({ stream: false, table: false, mapping: true, blockers: [] });
    expect(diff.changes).toEqual(['function bundle: aaaaaaaaaaaa → bbbbbbbbbbbb', 'mapping batchSize: 100 → 50']);
  });

  it('changes the function environment when the retention changes', async () => {
    const diff = diffPipeline(await pipeline(), await pipeline({ DataRetentionDays: '7' }));
    expect(diff.changes).toEqual(['function environment RETENTION_DAYS: 30 → 7']);
    expect(diff.mapping).toBe(true);
  });

  it('blocks a shard count change, which kinesalite cannot make in place', async () => {
    const diff = diffPipeline(await pipeline(), await pipeline({ ShardCount: '2' }));
    expect(diff.blockers).toEqual([expect.stringMatching(/^ShardCount 1 → 2: .*cannot be resharded/)]);
  });

  it('says when a parameter has no local effect', async () => {
    const diff = diffPipeline(await pipeline(), await pipeline({ LogRetentionDays: '30' }));
    expect(diff.changes).toEqual(['parameter LogRetentionDays: 14 → 30 (no local effect)']);
    expect(diff).toMatchObject({ stream: false, table: false, mapping: false });
  });

  it('re-applies the stream when its retention changes', async () => {
    const diff = diffPipeline(await pipeline(), await pipeline({ StreamRetentionHours: '48' }));
    expect(diff).toMatchObject({ stream: true, changes: ['stream demo-EventStream retention hours: 24 → 48'] });
  });
});

describe('diffPipeline with a second consumer', () => {
  const withConsumer = async (overrides: Record<string, string> = {}, sha = 'c'.repeat(64)) => {
    const p = await pipeline({ ConsumerCodeS3Key: `local/${sha}`, ...overrides });
    p.functions = p.functions.map((f) =>
      f.codeParameter === 'ConsumerCodeS3Key' ? { ...f, bundlePath: `/b/${sha}.mjs`, bundleSha: sha } : f,
    );
    return p;
  };

  it('adding one creates its function and mapping and names nothing of the processor', async () => {
    const diff = diffPipeline(await pipeline(), await withConsumer());
    expect(diff).toMatchObject({ stream: false, table: false, mapping: true, blockers: [] });
    expect(diff.changes).toEqual([
      'create function demo-Consumer',
      'create event source mapping ConsumerEventSourceMapping (function ConsumerFunction)',
    ]);
  });

  it('names the consumer in its own changes, and removing it deletes its mapping', async () => {
    const changed = diffPipeline(await withConsumer(), await withConsumer({ ConsumerBatchSize: '9' }, 'd'.repeat(64)));
    expect(changed.changes).toEqual([
      'function demo-Consumer bundle: cccccccccccc → dddddddddddd',
      'mapping ConsumerEventSourceMapping batchSize: 100 → 9',
    ]);
    const removed = diffPipeline(await withConsumer(), await pipeline());
    expect(removed.changes).toEqual([
      'delete function demo-Consumer',
      'delete event source mapping ConsumerEventSourceMapping (its checkpoints go with it)',
    ]);
  });
});
