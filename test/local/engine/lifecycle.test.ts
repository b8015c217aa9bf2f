/**
 * The engine in this process (no CLI): a restart takes the previous ports again when they are
 * free (even after the state file is gone, as after kill -9 + deploy), falls back to new ones
 * when taken and says so, and restores the saved pipeline before it publishes its state.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callRoute } from '../../../src/local/engine/control-client.js';
import { type RunningEngine, startEngine } from '../../../src/local/engine/lifecycle.js';
import { enginePaths } from '../../../src/local/engine/paths.js';
import { localPipelineSpec } from '../../../src/local/target/pipeline-spec.js';
import { loadTemplate, resolveParameters } from '../../../src/stack/template.js';
import { ROOT } from '../../helpers/cli.js';

let dir: string;
let engine: RunningEngine | undefined;
let blocker: Server | undefined;
let logged: Record<string, unknown>[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engine-restart-'));
  logged = [];
});
afterEach(async () => {
  await engine?.stop('test end');
  engine = undefined;
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
  await rm(dir, { recursive: true, force: true });
});

const start = () =>
  startEngine({
    stack: 'restart',
    dataDir: dir,
    region: 'us-east-1',
    log: (event) => logged.push(event),
    versions: {},
  });
const portOf = (endpoint: string) => Number(new URL(endpoint).port);

describe('engine restart ports', () => {
  it('takes the previous ports again when they are free, though the state file is gone', async () => {
    // Prepare
    engine = await start();
    const first = engine.state.endpoints;
    await engine.stop('restart');
    engine = undefined;
    expect(existsSync(enginePaths(dir).state)).toBe(false);
    // Act
    engine = await start();
    // Assess
    expect(engine.state.endpoints).toEqual(first);
    expect(logged.some((e) => e.msg === 'reusing the previous ports')).toBe(true);
  });

  it('falls back to a new port when the previous one is taken, and logs it', async () => {
    // Prepare
    engine = await start();
    const first = engine.state.endpoints;
    await engine.stop('restart');
    engine = undefined;
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(portOf(first.kinesis), '127.0.0.1', resolve));
    // Act
    engine = await start();
    // Assess
    expect(engine.state.endpoints.kinesis).not.toBe(first.kinesis);
    expect(engine.state.endpoints.dynamodb).toBe(first.dynamodb);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'warn', service: 'kinesis', preferred: portOf(first.kinesis) }),
    );
    const saved = JSON.parse(await readFile(enginePaths(dir).ports, 'utf8'));
    expect(saved.kinesis).toBe(portOf(engine.state.endpoints.kinesis));
  });
});

describe('engine restart pipeline', () => {
  it('restores the applied pipeline and its mapping before publishing the state file', async () => {
    // Prepare: a pipeline applied part by part, as deploy does, then a stop.
    engine = await start();
    const template = await loadTemplate();
    const pipeline = localPipelineSpec(template, {
      stack: 'restart',
      region: 'us-east-1',
      parameters: resolveParameters(template, {}),
      failureFile: join(dir, 'failures.jsonl'),
      logFile: join(dir, 'engine.log'),
    });
    pipeline.function.bundlePath = join(ROOT, 'test/fixtures/handlers/recorder.mjs');
    pipeline.function.bundleSha = 'restored-sha';
    await callRoute(engine.state.control, 'POST /apply/stream', { pipeline });
    await callRoute(engine.state.control, 'POST /apply/table', { pipeline });
    await callRoute(engine.state.control, 'POST /apply/mapping', { pipeline });
    await callRoute(engine.state.control, 'POST /apply/commit', { pipeline });
    await engine.stop('restart');
    engine = undefined;
    // Act
    engine = await start();
    // Assess
    const published = JSON.parse(await readFile(enginePaths(dir).state, 'utf8'));
    expect(published.bundleSha).toBe('restored-sha');
    const status = await callRoute(engine.state.control, 'GET /status', undefined);
    expect(status.pipeline).toEqual(pipeline);
    expect(status.mappingRunning).toBe(true);
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'restoring pipeline', stream: pipeline.stream.name }));
  });
});
