/**
 * The engine process's core: takes the stack's lock, starts the emulators and the control
 * channel, restores what was provisioned before (so a restart after kill -9 resumes on its own),
 * applies what deploy asks for, and shuts everything down in order on stop.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createDynamoDbClient, createKinesisClient } from '../../aws/clients.js';
import { createMappingRunner, type FunctionLogSink, type MappingRunner } from '../mapping/runner.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from './constants.js';
import { type ControlServer, startControlServer } from './control-server.js';
import { type Emulators, startEmulators } from './emulators.js';
import { enginePaths } from './paths.js';
import type { EngineStatus, LocalPipeline, StreamStatus } from './protocol.js';
import { applyStream, applyTable, countItems } from './provisioner.js';
import {
  acquireEngineLock,
  type EngineState,
  readEngineState,
  readJson,
  releaseEngineLock,
  writeEngineState,
  writeJsonAtomic,
} from './state.js';
import { startTtlSweeper, type TtlSweeper } from './ttl-sweeper.js';

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

/** The environment variable holding a JSON object of extra function environment variables. */
export const FUNCTION_ENV_VARIABLE = 'STREAMPROC_ENGINE_FUNCTION_ENV';

/** Parses STREAMPROC_ENGINE_FUNCTION_ENV: unset or empty is none; anything but a JSON object of strings throws. */
export function parseFunctionEnv(text: string | undefined): Record<string, string> {
  if (!text?.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${FUNCTION_ENV_VARIABLE} is not JSON: expected an object of strings`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${FUNCTION_ENV_VARIABLE} must be a JSON object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`${FUNCTION_ENV_VARIABLE}: the value of ${key} is not a string`);
  }
  return value as Record<string, string>;
}

interface PortsFile {
  kinesis: number;
  dynamodb: number;
}

export interface RunningEngine {
  state: EngineState;
  stop(reason: string): Promise<void>;
}

type Runner = MappingRunner;

export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const paths = enginePaths(options.dataDir);
  const { log } = options;
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await acquireEngineLock(paths.lock, options.stack);

  let emulators: Emulators | undefined;
  let control: ControlServer | undefined;
  let kinesis: KinesisClient | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let runner: Runner | undefined;
  let sweeper: TtlSweeper | undefined;
  let applied: LocalPipeline | undefined;
  let stream: StreamStatus | undefined;
  let stopping: Promise<void> | undefined;
  let ready = false;

  let summaryTimer: NodeJS.Timeout | undefined;
  const stopAll = async () => {
    clearInterval(summaryTimer);
    await runner
      ?.stop({ graceMs: options.graceMs ?? 5_000 })
      .catch((e: Error) => log({ level: 'error', msg: 'mapping stop failed', error: e.message }));
    await sweeper?.stop();
    await control?.close();
    kinesis?.destroy();
    dynamodb?.destroy();
    await emulators
      ?.close()
      .catch((e: Error) => log({ level: 'error', msg: 'emulator close failed', error: e.message }));
  };

  try {
    // The previous run's ports, so that clients (a producer retrying, a browse -f) keep working
    // across a restart. ports.json outlives the state file, which deploy removes after a kill -9.
    const previous = await readEngineState(paths.state);
    const preferredPorts =
      (await readJson<PortsFile>(paths.ports)) ??
      (previous && {
        kinesis: Number(new URL(previous.endpoints.kinesis).port),
        dynamodb: Number(new URL(previous.endpoints.dynamodb).port),
      });
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
    const k = kinesis;
    const d = dynamodb;
    const e = emulators;

    const saveApplied = async (pipeline: LocalPipeline) => {
      applied = pipeline;
      await writeJsonAtomic(paths.pipeline, pipeline);
    };

    const functionConfig = (p: LocalPipeline) => {
      if (!p.function.bundlePath) throw new Error('the pipeline has no processor bundle');
      return {
        functionName: p.function.name,
        bundlePath: p.function.bundlePath,
        // Lambda's "index.handler" names the file and the export; the bundle is the file.
        handler: p.function.handler.slice(p.function.handler.lastIndexOf('.') + 1),
        environment: {
          ...p.function.environment,
          AWS_REGION: options.region,
          AWS_DEFAULT_REGION: options.region,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
          DYNAMODB_ENDPOINT: e.dynamodbEndpoint,
          AWS_ENDPOINT_URL_DYNAMODB: e.dynamodbEndpoint,
          ...functionEnv,
        },
        timeoutSeconds: p.function.timeoutSeconds,
        memoryMb: p.function.memoryMb,
        region: options.region,
      };
    };

    const doStream = async (p: LocalPipeline) => {
      stream = await applyStream(k, p.stream);
      if (stream.created) log({ msg: 'stream created', stream: stream.name, shards: stream.shards });
      await saveApplied({ ...(applied ?? p), stream: p.stream });
      return stream;
    };

    const doTable = async (p: LocalPipeline) => {
      const status = await applyTable(d, p.table);
      if (status.created) log({ msg: 'table created', table: status.name, indexes: status.indexes });
      await sweeper?.stop();
      sweeper = undefined;
      if (p.table.ttlAttribute) {
        sweeper = startTtlSweeper({
          dynamodb: d,
          tableName: p.table.name,
          attribute: p.table.ttlAttribute,
          keyAttributes: p.table.keySchema.map((key) => key.AttributeName),
          log,
        });
      }
      await saveApplied({ ...(applied ?? p), table: p.table });
      return { ...status, ttlSweeper: Boolean(sweeper) };
    };

    const doMapping = async (p: LocalPipeline) => {
      stream ??= await applyStream(k, p.stream);
      const fn = functionConfig(p);
      let action: 'started' | 'updated';
      if (runner) {
        await runner.update({ mapping: p.mapping.settings, fn });
        action = 'updated';
      } else {
        runner = createMappingRunner({
          kinesis: k,
          streamName: stream.name,
          streamArn: stream.arn,
          mapping: p.mapping.settings,
          fn,
          stateDir: paths.mapping,
          ...(p.mapping.failureFile ? { failureFile: p.mapping.failureFile } : {}),
          log,
          functionLog: options.functionLog,
        });
        await runner.start();
        action = 'started';
      }
      log({ msg: `mapping ${action}`, bundleSha: p.function.bundleSha, settings: p.mapping.settings });
      await saveApplied({ ...(applied ?? p), function: p.function, mapping: p.mapping });
      if (ready) {
        state.bundleSha = p.function.bundleSha;
        await writeEngineState(paths.state, state);
      }
      return { action };
    };

    const token = randomBytes(24).toString('hex');
    control = await startControlServer(token, {
      'GET /status': async (): Promise<EngineStatus> => ({
        state,
        ...(applied ? { pipeline: applied } : {}),
        mappingRunning: Boolean(runner),
        ...(runner ? { mapping: runner.stats() } : {}),
        ...(sweeper ? { ttl: sweeper.stats() } : {}),
      }),
      'POST /apply/stream': async (body) => doStream((body as { pipeline: LocalPipeline }).pipeline),
      'POST /apply/table': async (body) => doTable((body as { pipeline: LocalPipeline }).pipeline),
      'POST /apply/mapping': async (body) => doMapping((body as { pipeline: LocalPipeline }).pipeline),
      'POST /apply/commit': async (body) => {
        await saveApplied((body as { pipeline: LocalPipeline }).pipeline);
        return { committed: true };
      },
      'GET /items': async () => ({ count: applied ? await countItems(d, applied.table.name) : 0 }),
    });

    const state: EngineState = {
      version: 1,
      stack: options.stack,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      region: options.region,
      dataDir: paths.root,
      logFile: paths.log,
      endpoints: { kinesis: e.kinesisEndpoint, dynamodb: e.dynamodbEndpoint },
      control: { port: control.port, token },
      versions: { ...options.versions, ...e.versions, node: process.versions.node },
    };

    // A previous run's pipeline: bring it back before announcing readiness, so that processing
    // resumes from the persisted checkpoints whether or not deploy runs again.
    const saved = await readJson<LocalPipeline>(paths.pipeline);
    if (saved) {
      log({ msg: 'restoring pipeline', stream: saved.stream.name, table: saved.table.name });
      await doStream(saved);
      await doTable(saved);
      if (saved.function.bundlePath) {
        await doMapping(saved).catch((error: Error) =>
          log({ level: 'error', msg: 'could not restart the mapping', error: error.message }),
        );
      }
      applied = saved;
    }
    state.bundleSha = applied?.function.bundleSha;
    ready = true;
    await writeEngineState(paths.state, state);
    // Batch summaries: the runner logs failures as they happen; progress goes out periodically.
    let lastRecords = -1;
    summaryTimer = setInterval(() => {
      if (!runner) return;
      const stats = runner.stats();
      const total = (key: 'records' | 'batches' | 'invocations' | 'functionErrors' | 'sentToFailureDestination') =>
        stats.shards.reduce((sum, shard) => sum + shard[key], 0);
      const records = total('records');
      if (records === lastRecords) return;
      lastRecords = records;
      log({
        msg: 'mapping progress',
        state: stats.state,
        records,
        batches: total('batches'),
        invocations: total('invocations'),
        functionErrors: total('functionErrors'),
        sentToFailureDestination: total('sentToFailureDestination'),
        maxLagMs: Math.max(0, ...stats.shards.map((shard) => shard.lagMs)),
        checkpoints: Object.fromEntries(stats.shards.map((shard) => [shard.shardId, shard.checkpoint])),
      });
    }, options.summaryEveryMs ?? 10_000);
    summaryTimer.unref();
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
