/**
 * The local engine end to end, through the built CLI (`node bin/run.js`) as a child process:
 * deploy → records in → items out → redeploy no-op → kill -9 → deploy restarts on the same data →
 * more records → exact count, resumed from the checkpoint → teardown removes everything.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeTweetEvent, partitionKeyOf } from '../../lambda/contract/tweet-event.js';
import type { EngineState } from '../../src/local/engine/state.js';
import { ROOT, runCli, tempDirs } from '../helpers/cli.js';
import { localDynamoClient } from '../helpers/dynalite.js';
import { alive, killEngines as killAllEngines } from '../helpers/engines.js';
import { kinesisClient } from '../helpers/kinesalite.js';
import { tweetEvent } from '../helpers/records.js';
import { runCommand } from '../helpers/run-command.js';
import { waitUntil } from '../helpers/wait.js';

/** The SDK's default attempts, as before: these tests provoke no request failures, so a retry hides nothing. */
const SDK_ATTEMPTS = 3;

type Dirs = Awaited<ReturnType<typeof tempDirs>>;
let dirs: Dirs;

const stackDir = (stack: string) => join(dirs.dataDir, 'stacks', stack);
const readState = async (stack: string): Promise<EngineState> =>
  JSON.parse(await readFile(join(stackDir(stack), 'engine.json'), 'utf8'));

const killEngines = () => killAllEngines(dirs.dataDir);

async function clients(stack: string) {
  const state = await readState(stack);
  return {
    state,
    kinesis: await kinesisClient(state.endpoints.kinesis, SDK_ATTEMPTS),
    dynamodb: localDynamoClient(state.endpoints.dynamodb, SDK_ATTEMPTS),
  };
}

async function putTweets(stack: string, count: number): Promise<void> {
  const { kinesis } = await clients(stack);
  const events = Array.from({ length: count }, () => tweetEvent({ createdAt: new Date().toISOString() }));
  const result = await kinesis.send(
    new PutRecordsCommand({
      StreamName: `${stack}-EventStream`,
      Records: events.map((e) => ({ Data: encodeTweetEvent(e), PartitionKey: partitionKeyOf(e) })),
    }),
  );
  kinesis.destroy();
  expect(result.FailedRecordCount).toBe(0);
}

async function tweetItems(stack: string): Promise<string[]> {
  const { dynamodb } = await clients(stack);
  const keys: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: `${stack}-EventData`, ExclusiveStartKey: start as never }),
    );
    for (const item of page.Items ?? []) keys.push(`${item.pk?.S}|${item.sk?.S}`);
    start = page.LastEvaluatedKey;
  } while (start);
  dynamodb.destroy();
  return keys;
}

async function waitForItems(stack: string, count: number, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let items: string[] = [];
  while (Date.now() < deadline) {
    items = await tweetItems(stack);
    if (items.length >= count) return items;
    await new Promise((r) => setTimeout(r, 200));
  }
  return items;
}

/** Records the processor wrote, summed from its "batch" log lines in the engine log. */
async function processedSince(stack: string, pid: number): Promise<number> {
  const lines = (await readFile(join(stackDir(stack), 'engine.log'), 'utf8')).split('\n');
  let total = 0;
  let current = 0;
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; pid?: number; line?: string };
    if (entry.msg === 'engine starting') current = entry.pid ?? 0;
    const batch = current === pid ? /"msg":"batch","records":(\d+)/.exec(entry.line ?? '') : null;
    if (batch) total += Number(batch[1]);
  }
  return total;
}

const deployJson = async (args: string[] = []) => {
  const result = await runCli(['deploy', '--json', ...args], { env: dirs.env() });
  return { ...result, json: result.stdout ? JSON.parse(result.stdout) : undefined };
};

beforeAll(async () => {
  dirs = await tempDirs('streamproc-e2e-engine-');
});
afterEach(async () => {
  await killEngines();
});
afterAll(async () => {
  await killEngines();
  await dirs.cleanup();
});

describe('local engine (built CLI)', () => {
  it('deploys, processes, survives kill -9 without loss or replay, and tears down', async () => {
    // Deploy.
    const first = await deployJson();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ stack: 'streamproc', target: 'local', status: 'created' });
    expect(first.json.skipped.map((s: { type: string }) => s.type)).toContain('AWS::SQS::Queue');
    const firstPid = (await readState('streamproc')).pid;
    expect(first.json.details.engine.pid).toBe(firstPid);

    // Records in → items out.
    await putTweets('streamproc', 30);
    expect(await waitForItems('streamproc', 30)).toHaveLength(30);

    // Redeploy: nothing to do.
    const again = await deployJson();
    expect(again.json).toMatchObject({ status: 'unchanged', changes: [] });
    expect((await readState('streamproc')).pid).toBe(firstPid);

    // Engine dies hard; deploy notices and restarts on the same data.
    process.kill(firstPid, 'SIGKILL');
    await waitUntil(() => !alive(firstPid), 2_500, `engine ${firstPid} to die`, 50);
    const restarted = await deployJson();
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.json.status).toBe('restarted');
    const secondPid = (await readState('streamproc')).pid;
    expect(secondPid).not.toBe(firstPid);

    // More records: exact count, no duplicates, and the new engine processed only the new ones.
    await putTweets('streamproc', 20);
    const items = await waitForItems('streamproc', 50);
    // Once the new engine has logged the batches for its 20, a replay of the first 30 would show.
    await waitUntil(async () => (await processedSince('streamproc', secondPid)) >= 20, 20_000, 'the batch lines');
    const final = await tweetItems('streamproc');
    expect(final).toHaveLength(50);
    expect(new Set(final).size).toBe(50);
    expect(items.length).toBe(50);
    expect(await processedSince('streamproc', secondPid)).toBe(20);

    // Teardown without a terminal and without --yes refuses (exit 2) and deletes nothing.
    const refused = await runCli(['teardown'], { env: dirs.env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--confirm streamproc/);
    expect(alive(secondPid)).toBe(true);

    // Teardown --yes stops the engine and removes the data directory.
    const down = await runCli(['teardown', '--yes', '--json'], { env: dirs.env() });
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ existed: true, target: 'local' });
    expect(alive(secondPid)).toBe(false);
    expect(existsSync(stackDir('streamproc'))).toBe(false);
  });

  it('refuses a second engine for the same stack while one runs', async () => {
    // Prepare
    const deployed = await deployJson(['--stack', 'twin']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const { pid } = await readState('twin');
    // Act: a second engine process on the same data directory.
    const second = spawn(
      process.execPath,
      [join(ROOT, 'dist/src/local/engine/main.js'), '--stack', 'twin', '--data-dir', stackDir('twin')],
      { stdio: ['ignore', 'ignore', 'pipe'], env: dirs.env() },
    );
    let stderr = '';
    second.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((r) => second.on('close', r));
    // Assess
    expect(code).toBe(3);
    expect(stderr).toContain(`already running, pid ${pid}`);
    expect(alive(pid)).toBe(true);
  });

  it('updates a running engine in place and saves the flags for the next deploy', async () => {
    // Prepare: a configured stack.
    const init = await runCli(['init', '--yes', '--stack', 'hot', '--target', 'local', '--keywords', 'aws'], {
      env: dirs.env(),
    });
    expect(init.code, init.stderr).toBe(0);
    expect((await deployJson(['--stack', 'hot'])).json.status).toBe('created');
    const { pid } = await readState('hot');
    // Act
    const updated = await deployJson(['--stack', 'hot', '--batch-size', '50']);
    const again = await deployJson(['--stack', 'hot']);
    // Assess
    expect(updated.json).toMatchObject({ status: 'updated', changes: ['mapping batchSize: 100 → 50'] });
    expect(again.json.status).toBe('unchanged');
    expect((await readState('hot')).pid).toBe(pid);
    const settings = JSON.parse(await readFile(join(dirs.configDir, 'config.json'), 'utf8'));
    expect(settings.stacks.hot.parameters).toEqual({ BatchSize: '50' });
    expect(settings.stacks.hot.outputs.StreamName).toBe('hot-EventStream');

    // A custom handler is bundled and hot-swapped into the same engine.
    const handler = join(dirs.root, 'custom-handler.ts');
    await writeFile(
      handler,
      "export const handler = async (event: { Records: unknown[] }) => { console.log('custom handler saw', event.Records.length); return { batchItemFailures: [] }; };\n",
    );
    const swapped = await deployJson(['--stack', 'hot', '--processor', handler]);
    expect(swapped.code, swapped.stderr).toBe(0);
    expect(swapped.json.status).toBe('updated');
    expect(swapped.json.changes).toEqual([expect.stringMatching(/^function bundle: [0-9a-f]{12} → [0-9a-f]{12}$/)]);
    await putTweets('hot', 3);
    const log = join(stackDir('hot'), 'engine.log');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !(await readFile(log, 'utf8')).includes('custom handler saw 3')) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await readFile(log, 'utf8')).toContain('custom handler saw 3');
    expect((await readState('hot')).pid).toBe(pid);

    // SIGTERM (teardown --keep-data): the engine stops cleanly, removing its state and lock itself.
    const stopped = await runCli(['teardown', '--stack', 'hot', '--confirm', 'hot', '--keep-data', '--json'], {
      env: dirs.env(),
    });
    expect(JSON.parse(stopped.stdout)).toMatchObject({
      existed: true,
      deleted: [`engine process (pid ${pid})`],
      keptData: stackDir('hot'),
    });
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(stackDir('hot'), 'engine.json'))).toBe(false);
    expect(existsSync(join(stackDir('hot'), 'engine.lock'))).toBe(false);
    expect(await readFile(log, 'utf8')).toMatch(/"msg":"engine stopped"/);

    // The kept data comes back with the next deploy, custom processor included.
    const back = await deployJson(['--stack', 'hot', '--processor', handler]);
    expect(back.json).toMatchObject({ status: 'restarted', changes: ['restarted the engine on the existing data'] });
    expect(await tweetItems('hot')).toHaveLength(0);
    const gone = await runCli(['teardown', '--stack', 'hot', '--yes'], { env: dirs.env() });
    expect(gone.code).toBe(0);
    expect(existsSync(stackDir('hot'))).toBe(false);
  });

  it('rejects a bad parameter with exit 2 before starting anything', async () => {
    const fresh = await tempDirs();
    try {
      const result = await runCommand(['deploy', '--stack', 'bad', '-p', 'BatchSize=0'], { dirs: fresh });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/BatchSize: must be at least 1/);
      expect(existsSync(join(fresh.dataDir, 'stacks', 'bad'))).toBe(false);
    } finally {
      await fresh.cleanup();
    }
  });

  it('says so and exits 0 when tearing down a stack that does not exist', async () => {
    const fresh = await tempDirs();
    try {
      const result = await runCommand(['teardown', '--stack', 'ghost'], { dirs: fresh });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Stack ghost does not exist on the local target: nothing to delete.');
    } finally {
      await fresh.cleanup();
    }
  });
});
