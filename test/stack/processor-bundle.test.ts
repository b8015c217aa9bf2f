import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, LambdaContext } from '../../lambda/processor/types.js';
import { packageRoot } from '../../src/package-root.js';
import { bundleProcessor, type ProcessorBundle } from '../../src/stack/processor-bundle.js';
import { createEventTable, type DynaliteHandle, scanAll, startDynalite } from '../helpers/dynalite.js';
import { ARRIVAL_SECONDS, kinesisEvent, lambdaContext, tweetEvent, tweetRecord } from '../helpers/records.js';

type BundledModule = {
  handler(event: KinesisStreamEvent, context: LambdaContext): Promise<KinesisStreamBatchResponse>;
};

describe('processor bundle', () => {
  let bundle: ProcessorBundle;
  let workDir: string;
  let db: DynaliteHandle;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    [bundle, workDir, db] = await Promise.all([
      bundleProcessor(),
      mkdtemp(join(tmpdir(), 'streamproc-bundle-')),
      startDynalite(),
    ]);
    // Lambda's runtime provides the SDK; here the project's node_modules stands in for it.
    await symlink(join(packageRoot(), 'node_modules'), join(workDir, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    process.env = savedEnv;
    await db?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('is reproducible: the same source gives byte-identical code, zip and SHA-256', async () => {
    // Act
    const again = await bundleProcessor({ outDir: join(workDir, 'out') });
    // Assess
    expect(again.sha256).toBe(bundle.sha256);
    expect(Buffer.from(again.zip).equals(Buffer.from(bundle.zip))).toBe(true);
    expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(await readFile(join(workDir, 'out', 'processor.json'), 'utf8'))).toEqual({
      sha256: bundle.sha256,
      codeBytes: bundle.codeBytes,
      zipBytes: bundle.zipBytes,
    });
  });

  it('is a small, self-contained ES module (no AWS SDK import), zipped as index.mjs', () => {
    // Act
    const code = Buffer.from(bundle.code).toString('utf8');
    const entries = unzipSync(bundle.zip);
    // Assess
    expect(bundle.codeBytes).toBeLessThan(30 * 1024);
    expect(code).not.toMatch(/@aws-sdk|@smithy/);
    expect(code).toMatch(/^import\{createRequire as __streamprocRequire\}from'node:module';/);
    expect(Object.keys(entries)).toEqual(['index.mjs']);
    expect(Buffer.from(entries['index.mjs'] as Uint8Array).equals(Buffer.from(bundle.code))).toBe(true);
  });

  it('runs as index.handler against dynalite, configured from the environment', async () => {
    // Prepare
    const table = await createEventTable(db);
    const codePath = join(workDir, 'index.mjs');
    await writeFile(codePath, bundle.code);
    Object.assign(process.env, {
      TABLE_NAME: table,
      DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      RETENTION_DAYS: '2',
    });
    const events = [tweetEvent({ text: 'bundled 🚀' }), tweetEvent()];
    const logged = vi.spyOn(console, 'log').mockImplementation(() => {});
    // Act
    const bundled = (await import(pathToFileURL(codePath).href)) as BundledModule;
    const response = await bundled.handler(kinesisEvent(events.map((event) => tweetRecord(event))), lambdaContext());
    const lines = logged.mock.calls.map((call) => String(call[0]));
    logged.mockRestore();
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const items = await scanAll(db.documents, table);
    expect(items.map((item) => item.text).sort()).toEqual(events.map((event) => event.text).sort());
    expect(items[0]?.expiresAt).toBe(Math.floor(ARRIVAL_SECONDS) + 2 * 86_400);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', msg: 'batch', records: 2, written: 2 });
  });

  it('fails the invocation with a clear message when TABLE_NAME is missing', async () => {
    // Prepare: a fresh module instance, so no client is cached yet
    const codePath = join(workDir, 'unconfigured.mjs');
    await writeFile(codePath, bundle.code);
    delete process.env.TABLE_NAME;
    // Act
    const bundled = (await import(pathToFileURL(codePath).href)) as BundledModule;
    // Assess
    await expect(bundled.handler(kinesisEvent([tweetRecord()]), lambdaContext())).rejects.toThrow(
      /TABLE_NAME is not set/,
    );
  });
});
