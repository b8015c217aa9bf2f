/**
 * The engine in this process (no CLI): a restart takes the previous ports again when they are
 * free (even after the state file is gone, as after kill -9 + deploy), falls back to new ones
 * when taken and says so; STREAMPROC_ENGINE_FUNCTION_ENV extends the function's environment.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../../src/aws/clients.js';
import { callEngine } from '../../../src/local/engine/control-client.js';
import { parseFunctionEnv, type RunningEngine, startEngine } from '../../../src/local/engine/engine.js';
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

const start = (functionEnv?: Record<string, string>) =>
  startEngine({
    stack: 'restart',
    dataDir: dir,
    region: 'us-east-1',
    log: (event) => logged.push(event),
    versions: {},
    ...(functionEnv ? { functionEnv } : {}),
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

describe('function environment override', () => {
  it('parses a JSON object of strings and refuses anything else', () => {
    expect(parseFunctionEnv(undefined)).toEqual({});
    expect(parseFunctionEnv('  ')).toEqual({});
    expect(parseFunctionEnv('{"A":"1"}')).toEqual({ A: '1' });
    expect(() => parseFunctionEnv('{')).toThrow(/STREAMPROC_ENGINE_FUNCTION_ENV is not JSON/);
    expect(() => parseFunctionEnv('[1]')).toThrow(/must be a JSON object/);
    expect(() => parseFunctionEnv('{"A":1}')).toThrow(/value of A is not a string/);
  });

  it('is applied last to the function environment', async () => {
    // Prepare: a pipeline running the echoing test handler.
    const echo = join(dir, 'echo.json');
    engine = await start({ ECHO_FILE: echo, DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
    const template = await loadTemplate();
    const pipeline = localPipelineSpec(template, {
      stack: 'restart',
      region: 'us-east-1',
      parameters: resolveParameters(template, {}),
      failureFile: join(dir, 'failures.jsonl'),
      logFile: join(dir, 'engine.log'),
    });
    pipeline.function.bundlePath = join(ROOT, 'test/fixtures/handlers/recorder.mjs');
    pipeline.function.bundleSha = 'test';
    for (const path of ['/apply/stream', '/apply/table', '/apply/mapping'])
      await callEngine(engine.state.control, 'POST', path, { pipeline });
    const kinesis = await createKinesisClient({
      region: 'us-east-1',
      service: { endpoint: engine.state.endpoints.kinesis, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } },
    });
    // Act
    await kinesis.send(
      new PutRecordCommand({ StreamName: pipeline.stream.name, PartitionKey: 'k', Data: Buffer.from('{}') }),
    );
    kinesis.destroy();
    const deadline = Date.now() + 15_000;
    while (!existsSync(echo) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Assess
    const { env } = JSON.parse(await readFile(echo, 'utf8'));
    expect(env.DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:9');
    expect(env.TABLE_NAME).toBe(pipeline.table.name);
    expect(logged).toContainEqual(expect.objectContaining({ keys: ['ECHO_FILE', 'DYNAMODB_ENDPOINT'] }));
  });
});
