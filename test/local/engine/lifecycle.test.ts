/**
 * The engine in this process (no CLI): a restart takes the previous ports again when they are
 * free (even after the state file is gone, as after kill -9 + deploy), falls back to new ones
 * when taken and says so, and restores the saved pipeline before it publishes its state.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { callRoute } from '../../../src/local/engine/control-client.js';
import type { RunningEngine } from '../../../src/local/engine/lifecycle.js';
import { enginePaths } from '../../../src/local/engine/paths.js';
import { useInProcessEngine } from '../../helpers/in-process-engine.js';

const fixture = useInProcessEngine('engine-restart-');
let blocker: Server | undefined;
let engine: RunningEngine;

afterEach(async () => {
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});

const portOf = (endpoint: string) => Number(new URL(endpoint).port);

describe('engine restart ports', () => {
  it('takes the previous ports again when they are free, though the state file is gone', async () => {
    // Prepare
    engine = await fixture.start();
    const first = engine.state.endpoints;
    await fixture.stop();
    expect(existsSync(enginePaths(fixture.dir).state)).toBe(false);
    // Act
    engine = await fixture.start();
    // Assess
    expect(engine.state.endpoints).toEqual(first);
    expect(fixture.logged.some((e) => e.msg === 'reusing the previous ports')).toBe(true);
  });

  it('falls back to a new port when the previous one is taken, and logs it', async () => {
    // Prepare
    engine = await fixture.start();
    const first = engine.state.endpoints;
    await fixture.stop();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(portOf(first.kinesis), '127.0.0.1', resolve));
    // Act
    engine = await fixture.start();
    // Assess
    expect(engine.state.endpoints.kinesis).not.toBe(first.kinesis);
    expect(engine.state.endpoints.dynamodb).toBe(first.dynamodb);
    expect(fixture.logged).toContainEqual(
      expect.objectContaining({ level: 'warn', service: 'kinesis', preferred: portOf(first.kinesis) }),
    );
    const saved = JSON.parse(await readFile(enginePaths(fixture.dir).ports, 'utf8'));
    expect(saved.kinesis).toBe(portOf(engine.state.endpoints.kinesis));
  });
});

describe('engine restart pipeline', () => {
  it('restores the applied pipeline and its mapping before publishing the state file', async () => {
    // Prepare: a pipeline applied part by part, as deploy does, then a stop.
    engine = await fixture.start();
    const pipeline = await fixture.pipeline('recorder.mjs', 'restored-sha');
    await callRoute(engine.state.control, 'POST /apply/stream', { pipeline });
    await callRoute(engine.state.control, 'POST /apply/table', { pipeline });
    await callRoute(engine.state.control, 'POST /apply/mapping', { pipeline });
    await callRoute(engine.state.control, 'POST /apply/commit', { pipeline });
    await fixture.stop();
    // Act
    engine = await fixture.start();
    // Assess
    const published = JSON.parse(await readFile(enginePaths(fixture.dir).state, 'utf8'));
    expect(published.bundleSha).toBe('restored-sha');
    const status = await callRoute(engine.state.control, 'GET /status', undefined);
    expect(status.pipeline).toEqual(pipeline);
    expect(status.mappingRunning).toBe(true);
    expect(fixture.logged).toContainEqual(
      expect.objectContaining({ msg: 'restoring pipeline', stream: pipeline.stream.name }),
    );
  });
});
