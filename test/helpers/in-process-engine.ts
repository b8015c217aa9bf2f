/** The engine daemon's core started in the test's own process, on a temporary data directory, with its log kept. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { type RunningEngine, startEngine } from '../../src/local/engine/lifecycle.js';
import { primaryFunction } from '../../src/local/engine/pipeline-shape.js';
import type { LocalPipeline } from '../../src/local/engine/protocol.js';
import { localPipelineSpec } from '../../src/local/target/pipeline-spec.js';
import { loadTemplate, resolveParameters } from '../../src/stack/template.js';
import { HANDLERS } from './mapping-harness.js';

export const IN_PROCESS_STACK = 'restart';

export interface InProcessEngine {
  /** This test's data directory. */
  readonly dir: string;
  /** What the engine logged so far. */
  readonly logged: Record<string, unknown>[];
  /** The running engine, if the test started one; stopped after each test. */
  engine: RunningEngine | undefined;
  /** Starts an engine on `dir` (the same ports again when a previous one of the test stopped). */
  start(functionEnv?: Record<string, string>): Promise<RunningEngine>;
  /** Stops the running engine (as a restart's first half). */
  stop(reason?: string): Promise<void>;
  /** The template's pipeline with the defaults, running a test handler from test/fixtures/handlers. */
  pipeline(handler?: string, bundleSha?: string): Promise<LocalPipeline>;
}

/** Registers the hooks: a fresh directory before each test; the engine stopped and the directory removed after. */
export function useInProcessEngine(prefix = 'engine-'): InProcessEngine {
  let dir = '';
  const logged: Record<string, unknown>[] = [];
  const fixture: InProcessEngine = {
    get dir() {
      return dir;
    },
    logged,
    engine: undefined,
    async start(functionEnv) {
      fixture.engine = await startEngine({
        stack: IN_PROCESS_STACK,
        dataDir: dir,
        region: 'us-east-1',
        log: (event) => logged.push(event),
        versions: {},
        ...(functionEnv ? { functionEnv } : {}),
      });
      return fixture.engine;
    },
    async stop(reason = 'restart') {
      await fixture.engine?.stop(reason);
      fixture.engine = undefined;
    },
    async pipeline(handler = 'recorder.mjs', bundleSha = 'test') {
      const template = await loadTemplate();
      const pipeline = localPipelineSpec(template, {
        stack: IN_PROCESS_STACK,
        region: 'us-east-1',
        parameters: resolveParameters(template, {}),
        failureFile: join(dir, 'failures.jsonl'),
        logFile: join(dir, 'engine.log'),
      });
      primaryFunction(pipeline).bundlePath = join(HANDLERS, handler);
      primaryFunction(pipeline).bundleSha = bundleSha;
      return pipeline;
    },
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    logged.length = 0;
  });
  afterEach(async () => {
    await fixture.stop('test end');
    await rm(dir, { recursive: true, force: true });
  });
  return fixture;
}
