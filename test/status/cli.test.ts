/**
 * `streamproc status` through the built CLI against the local engine: not deployed → deploy and
 * 200 synthetic records → healthy with the counts → engine killed by pid → stopped; a stack whose
 * handler always throws → failing, with its failed batches and the redrive hint; --watch ends on
 * Ctrl-C with exit 0 (no redraw codes in a pipe); --json is one document, or one line per refresh.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/status/status.js';
import { requireBuilt, runCli, startCli, tempDirs } from '../helpers/cli.js';
import { alive, killEngines } from '../helpers/engines.js';
import { kinesisClient } from '../helpers/kinesalite.js';
import { runCommand } from '../helpers/run-command.js';
import { waitUntil } from '../helpers/wait.js';

type Dirs = Awaited<ReturnType<typeof tempDirs>>;
let dirs: Dirs;

async function cli(args: string[]) {
  const result = await runCli(args, { env: dirs.env(), timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`streamproc ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

async function statusJson(stack: string): Promise<StatusReport> {
  const { stdout } = await cli(['status', '--stack', stack, '--json']);
  return JSON.parse(stdout) as StatusReport;
}

/** Batches and records in the stack's on-failure file. */
async function failureFile(stack: string): Promise<{ batches: number; records: number }> {
  const text = await readFile(join(dirs.dataDir, 'stacks', stack, 'mapping', 'failures.jsonl'), 'utf8').catch(() => '');
  const lines = text.split('\n').filter(Boolean);
  const records = lines.reduce(
    (sum, line) => sum + (JSON.parse(line) as { KinesisBatchInfo: { batchSize: number } }).KinesisBatchInfo.batchSize,
    0,
  );
  return { batches: lines.length, records };
}

beforeAll(async () => {
  requireBuilt('dist/src/commands/status.js');
  dirs = await tempDirs('streamproc-status-');
});

afterAll(async () => {
  if (dirs) await killEngines(dirs.dataDir);
  await dirs?.cleanup();
});

describe('status flags', () => {
  it.each([
    [['--since', '10s'], '--since 10s is out of range'],
    [['--since', '2d'], '--since 2d is out of range'],
    [['--watch', '--interval', '100ms'], '--interval must be at least 500ms'],
  ])('rejects %j with a hint (exit 2)', async (args, message) => {
    const result = await runCommand(['status', ...args], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Error: ${message}`);
    expect(result.stderr).toContain('Hint:');
  });
});

describe('status on the local engine', () => {
  it('before any deploy: not deployed, exit 0, and what to run', async () => {
    const result = await cli(['status']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('streamproc (local): not deployed — stack streamproc is not deployed');
    expect(result.stdout).toContain('next: streamproc deploy');
    const report = await statusJson('streamproc');
    expect(report.verdict).toEqual({
      state: 'not deployed',
      reason: 'stack streamproc is not deployed',
      next: 'streamproc deploy',
    });
    expect(report).toMatchObject({ stack: 'streamproc', target: 'local', deployed: false, running: false });
  });

  it('after deploy and 200 synthetic records: healthy, with the counts', async () => {
    await cli(['deploy']);
    await cli(['ingest', '--synthetic', '--count', '200']);
    let report = await statusJson('streamproc');
    // Records are processed (and the item count refreshed) asynchronously: wait for the figures.
    await waitUntil(
      async () => {
        report = await statusJson('streamproc');
        return report.mapping?.recordsProcessed === 200 && report.table?.items === 200;
      },
      60_000,
      'status to show 200 records processed and 200 items',
      250,
    );
    expect(report.verdict).toEqual({
      state: 'healthy',
      reason: '200 records processed, no errors in the last 15m',
      next: 'streamproc browse',
    });
    expect(report.stream).toMatchObject({ name: 'streamproc-EventStream', shards: 1, retentionHours: 24 });
    expect(report.stream?.recordsInPerSecond).toBe(0.22); // 200 records read over 900 s
    expect(report.mapping).toMatchObject({ state: 'running', lastProcessingResult: 'OK', maxLagMs: 0 });
    expect(report.mapping?.shards).toEqual([
      expect.objectContaining({ shardId: 'shardId-000000000000', recordsBehind: 0, lastResult: 'OK' }),
    ]);
    expect(report.processor).toMatchObject({ errors: 0, throttles: 0 });
    expect(report.processor?.invocations).toBeGreaterThanOrEqual(2);
    expect(report.processor?.durationP50Ms).toEqual(expect.any(Number));
    expect(report.processor?.durationP99Ms).toBeGreaterThanOrEqual(report.processor?.durationP50Ms as number);
    expect(report.table).toMatchObject({ items: 200, itemsApproximate: true, rejectedRecently: 0 });
    expect(report.failureDestination).toMatchObject({ kind: 'file', failedBatches: 0 });
    expect(report.series?.recordsIn.reduce((a, b) => a + b, 0)).toBe(200);
    expect(report.series?.recordsProcessed.reduce((a, b) => a + b, 0)).toBe(200);

    const human = await cli(['status']);
    expect(human.stdout.split('\n')[0]).toBe(
      'streamproc (local): healthy — 200 records processed, no errors in the last 15m',
    );
    expect(human.stdout).toMatch(/^table +streamproc-EventData · ~200 items/m);
    expect(human.stdout).toMatch(/^on-failure 0 failed batches/m);
  });

  it('malformed records: counted as rejected through the time index, still healthy, browse --rejected next', async () => {
    const state = JSON.parse(await readFile(join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json'), 'utf8')) as {
      endpoints: { kinesis: string };
    };
    const kinesis = await kinesisClient(state.endpoints.kinesis, 3);
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'streamproc-EventStream',
        Records: ['not json', '{"v": 99}', '\u0000'].map((text, i) => ({
          Data: Buffer.from(text),
          PartitionKey: `bad-${i}`,
        })),
      }),
    );
    kinesis.destroy();
    expect(put.FailedRecordCount).toBe(0);
    let report = await statusJson('streamproc');
    await waitUntil(
      async () => {
        report = await statusJson('streamproc');
        return report.table?.rejectedRecently === 3;
      },
      60_000,
      'status to count 3 rejected records',
      250,
    );
    expect(report.verdict).toEqual({
      state: 'healthy',
      reason: 'no errors in the last 15m; 3 malformed records rejected and kept',
      next: 'streamproc browse --rejected',
    });
  });

  it('after the engine is killed by pid: stopped, and deploy is the next step', async () => {
    const state = JSON.parse(await readFile(join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json'), 'utf8')) as {
      pid: number;
    };
    process.kill(state.pid, 'SIGKILL');
    await waitUntil(() => !alive(state.pid), 10_000, `engine ${state.pid} to die`);
    const result = await cli(['status']);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'streamproc (local): stopped — engine not running',
      'next: streamproc deploy',
    ]);
    const report = await statusJson('streamproc');
    expect(report).toMatchObject({ deployed: true, running: false, notRunningReason: 'engine not running' });
    expect(report.failureDestination?.failedBatches).toBe(0);
  });

  it('with a handler that always throws: failing, the failed batches counted, redrive next', async () => {
    const handler = join(dirs.root, 'throws.mjs');
    await writeFile(handler, "export const handler = async () => { throw new Error('status test: always fails'); };\n");
    await cli([
      'deploy',
      '--stack',
      'broken',
      '--processor',
      handler,
      '--batch-size',
      '100',
      '-p',
      'MaximumRetryAttempts=0',
      '-p',
      'BisectBatchOnFunctionError=false',
    ]);
    await cli(['ingest', '--stack', 'broken', '--synthetic', '--count', '200']);
    await waitUntil(
      async () => (await failureFile('broken')).records === 200,
      60_000,
      'all 200 records to be discarded',
    );
    const { batches } = await failureFile('broken');
    expect(batches).toBeGreaterThanOrEqual(2);
    const report = await statusJson('broken');
    expect(report.verdict).toEqual({
      state: 'failing',
      reason: `${batches} failed batches in the on-failure destination`,
      next: 'streamproc redrive --stack broken',
    });
    expect(report.failureDestination?.failedBatches).toBe(batches);
    expect(report.processor?.errors).toBeGreaterThanOrEqual(batches);
    expect(report.mapping?.lastProcessingResult).toBe('PROBLEM: Function call failed');
    expect(report.mapping?.shards[0]?.lastError).toContain('status test: always fails');
    const human = await cli(['status', '--stack', 'broken']);
    expect(human.stdout).toContain(`broken (local): failing — ${batches} failed batches in the on-failure destination`);
    expect(human.stdout).toContain('next: streamproc redrive --stack broken');
  });

  it('--watch in a pipe prints one plain block per refresh and exits 0 on Ctrl-C', async () => {
    const running = startCli(['status', '--stack', 'broken', '--watch', '--interval', '500ms'], { env: dirs.env() });
    try {
      await running.waitForOutput(/records in +[▁▂▃▄▅▆▇█]+/, { stream: 'stdout', timeoutMs: 30_000 });
      running.child.kill('SIGINT');
      const result = await running.exited;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('broken (local): failing');
      expect(result.stdout).toMatch(/^errors +[▁▂▃▄▅▆▇█]{24}$/m);
      expect(result.stdout).not.toContain('\u001B[');
    } finally {
      if (running.child.exitCode === null) running.child.kill('SIGKILL');
    }
  });

  it('--watch --json prints one JSON report per line until Ctrl-C', async () => {
    const running = startCli(['status', '--stack', 'broken', '--watch', '--json', '--interval', '500ms'], {
      env: dirs.env(),
    });
    try {
      await running.waitForOutput(/\n.*\n/, { stream: 'stdout', timeoutMs: 30_000 });
      running.child.kill('SIGINT');
      const result = await running.exited;
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) {
        const report = JSON.parse(line) as StatusReport;
        expect(report.verdict.state).toBe('failing');
        expect(report.stack).toBe('broken');
      }
    } finally {
      if (running.child.exitCode === null) running.child.kill('SIGKILL');
    }
  });
});
