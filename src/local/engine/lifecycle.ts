/**
 * The engine process's life: takes the stack's lock, starts the emulators on the previous run's
 * ports, the clients and the control channel, restores what was provisioned before (so a restart
 * after kill -9 resumes on its own), publishes the state file, and shuts everything down in order.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createDynamoDbClient, createKinesisClient } from '../../aws/clients.js';
import type { FunctionLogSink } from '../mapping/runner.js';
import { type Applier, createApplier } from './applier.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from './constants.js';
import { engineRoutes } from './control-routes.js';
import { type ControlServer, startControlServer } from './control-server.js';
import { type Emulators, startEmulators } from './emulators.js';
import { FUNCTION_ENV_VARIABLE } from './function-env.js';
import { type EnginePaths, enginePaths } from './paths.js';
import { normalizePipeline, primaryFunction } from './pipeline-shape.js';
import { startProgressSummary } from './progress-summary.js';
import type { LocalPipeline } from './protocol.js';
import {
  acquireEngineLock,
  type EngineState,
  readEngineState,
  readJson,
  releaseEngineLock,
  writeEngineState,
  writeJsonAtomic,
} from './state.js';

export type EngineLog = (event: Record<string, unknown>) => void;

export interface EngineOptions {
  stack: string;
  dataDir: string;
  region: string;
  log: EngineLog;
  /** Lines the function writes (console.log in the handler) and Lambda's platform lines. */
  functionLog?: FunctionLogSink;
  /** How often a progress summary of the mapping goes to the log (when it moved). Default 10 s. */
  summaryEveryMs?: number;
  versions: Record<string, string>;
  /** How long a stop waits for an in-flight batch before abandoning it (no checkpoint). Default 5 s. */
  graceMs?: number;
  /**
   * Extra environment variables for the function, applied last (over the template's and the
   * engine's own, e.g. DYNAMODB_ENDPOINT). main.ts reads them from
   * STREAMPROC_ENGINE_FUNCTION_ENV; tests use it to route the processor through a fault proxy.
   */
  functionEnv?: Record<string, string>;
}

export interface RunningEngine {
  state: EngineState;
  stop(reason: string): Promise<void>;
}

interface PortsFile {
  kinesis: number;
  dynamodb: number;
}

/**
 * The previous run's ports, so that clients (a producer retrying, a browse -f) keep working
 * across a restart. ports.json outlives the state file, which deploy removes after a kill -9.
 */
async function previousPorts(paths: EnginePaths): Promise<PortsFile | undefined> {
  const previous = await readEngineState(paths.state);
  return (
    (await readJson<PortsFile>(paths.ports)) ??
    (previous && {
      kinesis: Number(new URL(previous.endpoints.kinesis).port),
      dynamodb: Number(new URL(previous.endpoints.dynamodb).port),
    })
  );
}

/** Brings back a previous run's pipeline, so that processing resumes from the persisted checkpoints. */
async function restorePipeline(applier: Applier, saved: LocalPipeline, log: EngineLog): Promise<void> {
  log({ msg: 'restoring pipeline', stream: saved.stream.name, table: saved.table.name });
  await applier.stream(saved);
  await applier.table(saved);
  if (saved.functions.every((fn) => fn.bundlePath)) {
    await applier
      .mapping(saved)
      .catch((error: Error) => log({ level: 'error', msg: 'could not restart the mapping', error: error.message }));
  }
}

export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const paths = enginePaths(options.dataDir);
  const { log } = options;
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await acquireEngineLock(paths.lock, options.stack);

  let emulators: Emulators | undefined;
  let control: ControlServer | undefined;
  let kinesis: KinesisClient | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let applier: Applier | undefined;
  let stopSummary: (() => void) | undefined;
  let stopping: Promise<void> | undefined;

  // The reverse of the start order: nothing new comes in, in-flight work settles, then the data closes.
  const stopAll = async () => {
    stopSummary?.();
    await applier?.stop(options.graceMs ?? 5_000);
    await control?.close();
    kinesis?.destroy();
    dynamodb?.destroy();
    await emulators
      ?.close()
      .catch((e: Error) => log({ level: 'error', msg: 'emulator close failed', error: e.message }));
  };

  try {
    const preferredPorts = await previousPorts(paths);
    emulators = await startEmulators({
      kinesisDir: paths.kinesis,
      dynamodbDir: paths.dynamodb,
      region: options.region,
      accountId: LOCAL_ACCOUNT_ID,
      preferredPorts,
    });
    for (const taken of emulators.portsTaken) {
      log({
        level: 'warn',
        msg: `${taken.service} port ${taken.preferred} is taken; using ${taken.port} (clients of the previous run must be pointed at the new endpoint)`,
        ...taken,
      });
    }
    const ports: PortsFile = {
      kinesis: Number(new URL(emulators.kinesisEndpoint).port),
      dynamodb: Number(new URL(emulators.dynamodbEndpoint).port),
    };
    if (preferredPorts && emulators.portsTaken.length === 0) log({ msg: 'reusing the previous ports', ...ports });
    await writeJsonAtomic(paths.ports, ports);
    const functionEnv = options.functionEnv ?? {};
    if (Object.keys(functionEnv).length > 0)
      log({ msg: `function environment extended by ${FUNCTION_ENV_VARIABLE}`, keys: Object.keys(functionEnv) });
    const clientBase = { region: options.region, maxAttempts: 3 };
    [kinesis, dynamodb] = await Promise.all([
      createKinesisClient({
        ...clientBase,
        service: { endpoint: emulators.kinesisEndpoint, credentials: LOCAL_CREDENTIALS },
      }),
      createDynamoDbClient({
        ...clientBase,
        service: { endpoint: emulators.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS },
      }),
    ]);
    const running = createApplier({
      kinesis,
      dynamodb,
      paths,
      region: options.region,
      dynamodbEndpoint: emulators.dynamodbEndpoint,
      functionEnv,
      log,
      functionLog: options.functionLog,
    });
    applier = running;

    // Until the state file is written nobody has the token, so no route runs before `state` is set;
    // the restore below applies the mapping directly and the state file records its bundle at once.
    let published = false;
    const token = randomBytes(24).toString('hex');
    control = await startControlServer(
      token,
      engineRoutes({
        applier: running,
        state: () => state,
        bundleApplied: async (bundleSha) => {
          if (!published) return;
          state.bundleSha = bundleSha;
          await writeEngineState(paths.state, state);
        },
      }),
    );
    const state: EngineState = {
      version: 1,
      stack: options.stack,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      region: options.region,
      dataDir: paths.root,
      logFile: paths.log,
      endpoints: { kinesis: emulators.kinesisEndpoint, dynamodb: emulators.dynamodbEndpoint },
      control: { port: control.port, token },
      versions: { ...options.versions, ...emulators.versions, node: process.versions.node },
    };

    const savedRaw = await readJson<LocalPipeline>(paths.pipeline);
    // A pipeline saved by a one-mapping engine is read in today's shape (its checkpoints move on start).
    const saved = savedRaw && normalizePipeline(savedRaw);
    if (saved) await restorePipeline(running, saved, log);
    const restored = running.applied();
    state.bundleSha = restored && primaryFunction(restored).bundleSha;
    published = true;
    await writeEngineState(paths.state, state);
    stopSummary = startProgressSummary({ stats: running.allMappingStats, log, everyMs: options.summaryEveryMs });
    log({ msg: 'engine ready', pid: process.pid, endpoints: state.endpoints, versions: state.versions });

    return {
      state,
      stop(reason) {
        stopping ??= (async () => {
          log({ msg: 'engine stopping', reason });
          await stopAll();
          await rm(paths.state, { force: true });
          await releaseEngineLock(paths.lock);
          log({ msg: 'engine stopped' });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll().catch(() => {});
    await releaseEngineLock(paths.lock);
    throw error;
  }
}
