/**
 * The local target: `deploy`, `teardown`, `describe` and `endpoints` against the embedded engine.
 * Template evaluation and the diff happen here, in the CLI; the engine applies what it is sent.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { DEFAULT_STACK_NAME } from '../../config/settings.js';
import { resourceName } from '../../config/stack-name.js';
import type { ResolvedStack } from '../../config/store.js';
import { UserError } from '../../errors.js';
import type {
  DeployOptions,
  DeployResult,
  DeployStatus,
  PipelineEndpoints,
  StackDescription,
  StackTarget,
  TeardownOptions,
  TeardownResult,
} from '../../target.js';
import { LOCAL_CREDENTIALS } from '../engine/constants.js';
import { ControlError, callEngine } from '../engine/control.js';
import { type EnginePaths, stackEnginePaths } from '../engine/paths.js';
import type { StreamStatus, TableStatus } from '../engine/provisioner.js';
import { isProcessAlive, readEngineState, readJson } from '../engine/state.js';
import { deployResources } from './deploy-summary.js';
import { clearStaleEngine, findRunningEngine, type LiveEngine, launchEngine, stopEngine } from './engine-launcher.js';
import { diffPipeline } from './pipeline-diff.js';
import { LOCAL_REGION, type LocalPipeline, localPipelineSpec } from './pipeline-spec.js';
import { loadProcessor } from './processor-loader.js';

const deployHint = (stack: string) =>
  `Run \`streamproc deploy${stack === DEFAULT_STACK_NAME ? '' : ` --stack ${stack}`}\`.`;

function regionOf(stack: ResolvedStack): string {
  return stack.settings.region ?? LOCAL_REGION;
}

/** Turns an engine-side failure into a UserError pointing at the log. */
async function engineCall<T>(engine: LiveEngine, path: string, pipeline: LocalPipeline): Promise<T> {
  try {
    return await callEngine<T>(engine.state.control, 'POST', path, { pipeline }, 120_000);
  } catch (error) {
    const message =
      error instanceof ControlError ? error.message : `the engine stopped answering (${(error as Error).message})`;
    throw new UserError(`The local engine could not apply the change: ${message}`, {
      hint: (error as ControlError).hint ?? `See the engine log: ${engine.state.logFile}`,
      code: 'ENGINE_APPLY',
      cause: error,
    });
  }
}

async function desiredPipeline(options: DeployOptions, paths: EnginePaths): Promise<LocalPipeline> {
  const { loadTemplate } = await import('../../stack/template.js');
  const template = await loadTemplate();
  // Resolved and checked against the template by the deploy service.
  const values = options.parameters;
  return localPipelineSpec(template, {
    stack: options.stack.name,
    region: regionOf(options.stack),
    parameters: values,
    failureFile: paths.failures,
    logFile: paths.log,
  });
}

/** Reuses the running engine, replaces a dead or hung one, or starts the first one. */
async function ensureEngine(
  options: DeployOptions,
  paths: EnginePaths,
): Promise<{ engine: LiveEngine; was: 'running' | 'restarted' | 'created' }> {
  const running = await findRunningEngine(paths);
  if (running) return { engine: running, was: 'running' };
  const previous = await readEngineState(paths.state);
  if (previous && isProcessAlive(previous.pid)) {
    options.reporter.warn(`The engine (pid ${previous.pid}) does not answer; replacing it.`);
    await stopEngine(paths, 5_000);
  }
  const stalePid = await clearStaleEngine(paths);
  const hadPipeline = existsSync(paths.pipeline);
  const engine = await launchEngine({ stack: options.stack.name, region: regionOf(options.stack), paths });
  return { engine, was: stalePid !== undefined || hadPipeline ? 'restarted' : 'created' };
}

async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { reporter, stack } = options;
  const paths = stackEnginePaths(stack.name);
  const desired = await desiredPipeline(options, paths);
  // The processor first: a handler that does not exist or does not build must fail the deploy
  // before an engine is started for it.
  const processor = await reporter.step(`Load processor ${options.processorEntry ?? 'bundle'}`, () =>
    loadProcessor({ functionsDir: paths.functions, entry: options.processorEntry }),
  );
  const running = await findRunningEngine(paths);
  const { engine, was } = running
    ? await reporter.step(`Use running local engine (pid ${running.state.pid})`, async () => ({
        engine: running,
        was: 'running' as const,
      }))
    : await reporter.step('Start local engine', () => ensureEngine(options, paths));
  const applied = engine.status.pipeline;

  desired.function = {
    ...desired.function,
    bundlePath: processor.bundlePath,
    bundleSha: processor.sha256,
    bundleBytes: processor.bytes,
  };

  const diff = diffPipeline(applied, desired);
  if (diff.blockers.length > 0) {
    throw new UserError(`Cannot apply locally: ${diff.blockers.join('; ')}`, {
      hint: `Run \`streamproc teardown\` (it deletes the local data), then deploy again with the new value.`,
      code: 'NEEDS_TEARDOWN',
    });
  }
  const fresh = applied === undefined;
  let stream: StreamStatus | undefined;
  let table: TableStatus | undefined;
  if (diff.stream || fresh) {
    const title = fresh
      ? `Create stream ${desired.stream.name} (${desired.stream.shardCount} shard${desired.stream.shardCount === 1 ? '' : 's'})`
      : `Update stream ${desired.stream.name}`;
    stream = await reporter.step(title, () => engineCall<StreamStatus>(engine, '/apply/stream', desired));
  }
  if (diff.table || fresh) {
    const title = fresh ? `Create table ${desired.table.name}` : `Update table ${desired.table.name}`;
    table = await reporter.step(title, () => engineCall<TableStatus>(engine, '/apply/table', desired));
  }
  if (diff.mapping || fresh || !engine.status.mappingRunning) {
    const title = engine.status.mappingRunning
      ? 'Update event source mapping (hot swap)'
      : 'Start event source mapping';
    await reporter.step(title, () => engineCall(engine, '/apply/mapping', desired));
  }
  if (diff.changes.length > 0) await engineCall(engine, '/apply/commit', desired);

  let status: DeployStatus;
  if (was === 'created') status = 'created';
  else if (was === 'restarted') status = 'restarted';
  else status = diff.changes.length > 0 ? 'updated' : 'unchanged';
  const changes = fresh
    ? diff.changes
    : was === 'restarted'
      ? [`restarted the engine on the existing data`, ...diff.changes]
      : diff.changes;

  const state = engine.state;
  return {
    stack: stack.name,
    target: 'local',
    status,
    changes,
    resources: deployResources({ pipeline: desired, state, paths, stream, table }),
    outputs: desired.outputs,
    skipped: desired.skipped,
    details: {
      engine: { pid: state.pid, startedAt: state.startedAt, versions: state.versions },
      endpoints: { kinesis: state.endpoints.kinesis, dynamodb: state.endpoints.dynamodb, region: state.region },
      dataDir: paths.root,
      logFile: paths.log,
      failureFile: desired.mapping.failureFile,
      processor: { source: processor.source, sha256: processor.sha256, bytes: processor.bytes },
      parameters: desired.parameters,
      ttl: desired.table.ttlAttribute
        ? `enforced by the engine's sweeper every 60 s (${desired.table.ttlAttribute})`
        : 'none',
    },
  };
}

async function teardown(options: TeardownOptions): Promise<TeardownResult> {
  const { reporter, stack } = options;
  const paths = stackEnginePaths(stack.name);
  if (!existsSync(paths.root)) return { stack: stack.name, target: 'local', existed: false, deleted: [] };
  const pipeline = await readJson<LocalPipeline>(paths.pipeline);
  const deleted: string[] = [];
  const stopped = await reporter.step('Stop local engine', () => stopEngine(paths));
  if (stopped.pid !== undefined)
    deleted.push(`engine process (pid ${stopped.pid}${stopped.how === 'killed' ? ', killed' : ''})`);
  if (options.keepData) return { stack: stack.name, target: 'local', existed: true, deleted, keptData: paths.root };
  await reporter.step(`Remove ${paths.root}`, () => rm(paths.root, { recursive: true, force: true }));
  deleted.push(
    `stream ${pipeline?.stream.name ?? resourceName(stack.name, 'stream')}`,
    `table ${pipeline?.table.name ?? resourceName(stack.name, 'table')}`,
    `data directory ${paths.root}`,
  );
  return { stack: stack.name, target: 'local', existed: true, deleted };
}

async function describe(stack: ResolvedStack): Promise<StackDescription> {
  const paths = stackEnginePaths(stack.name);
  const exists = existsSync(paths.root) || existsSync(paths.state);
  if (!exists) return { exists: false, resources: [] };
  const pipeline = await readJson<LocalPipeline>(paths.pipeline);
  const running = await findRunningEngine(paths);
  let approximateItems: number | undefined;
  if (running && pipeline) {
    approximateItems = await callEngine<{ count: number }>(running.state.control, 'GET', '/items', undefined, 30_000)
      .then((r) => r.count)
      .catch(() => undefined);
  }
  const streamName = pipeline?.stream.name ?? resourceName(stack.name, 'stream');
  const tableName = pipeline?.table.name ?? resourceName(stack.name, 'table');
  const resources = [
    ...(running ? [`local engine process (pid ${running.state.pid})`] : []),
    `stream ${streamName}${pipeline ? ` (${pipeline.stream.shardCount} shard${pipeline.stream.shardCount === 1 ? '' : 's'})` : ''}`,
    `table ${tableName} (${approximateItems === undefined ? 'item count unknown: the engine is not running' : `${approximateItems} items`})`,
    `data directory ${paths.root} (records, items, checkpoints, failures, log)`,
  ];
  return { exists, resources, ...(approximateItems === undefined ? {} : { approximateItems }) };
}

async function endpoints(stack: ResolvedStack): Promise<PipelineEndpoints> {
  const paths = stackEnginePaths(stack.name);
  const running = await findRunningEngine(paths);
  if (!running) {
    throw new UserError(`The local engine for stack ${stack.name} is not running`, {
      hint: deployHint(stack.name),
      code: 'ENGINE_NOT_RUNNING',
    });
  }
  const { state, status } = running;
  return {
    target: 'local',
    stack: stack.name,
    region: state.region,
    streamName: status.pipeline?.stream.name ?? resourceName(stack.name, 'stream'),
    tableName: status.pipeline?.table.name ?? resourceName(stack.name, 'table'),
    kinesis: { endpoint: state.endpoints.kinesis, credentials: { ...LOCAL_CREDENTIALS } },
    dynamodb: { endpoint: state.endpoints.dynamodb, credentials: { ...LOCAL_CREDENTIALS } },
  };
}

export function localTarget(): StackTarget {
  return { deploy, teardown, describe, endpoints };
}
