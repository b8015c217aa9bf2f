/**
 * A local deploy: load the processor, find or start the engine, diff what it runs against what the
 * template asks for, send the parts that changed in order (stream, table, mapping, commit), and
 * report what exists now.
 */
import { existsSync } from 'node:fs';
import { UsageError, UserError } from '../../errors.js';
import type { DeployOptions, DeployResult, DeployStatus } from '../../target.js';
import { LOCAL_SHARD_LIMIT, TTL_SWEEP_INTERVAL_MS } from '../engine/constants.js';
import { ControlError, callRoute } from '../engine/control-client.js';
import { type EnginePaths, stackEnginePaths } from '../engine/paths.js';
import { normalizePipeline, primaryMapping } from '../engine/pipeline-shape.js';
import type { EngineRoute, EngineRoutes, LocalPipeline, StreamStatus, TableStatus } from '../engine/protocol.js';
import { isProcessAlive, readEngineState } from '../engine/state.js';
import { withDeployLock } from './deploy-lock.js';
import { deployResources } from './deploy-summary.js';
import { desiredPipeline, regionOf } from './desired-pipeline.js';
import { checkFreeSpace, diskFullError } from './disk-space.js';
import {
  clearStaleEngine,
  findRunningEngine,
  type LiveEngine,
  launchEngine,
  logTail,
  stopEngine,
} from './engine-launcher.js';
import { diffPipeline } from './pipeline-diff.js';
import { type LoadedProcessor, loadProcessor } from './processor-loader.js';

/**
 * The consumer's bundle for this deploy: `--consumer FILE` bundles FILE; `--no-consumer` means
 * none; without either the consumer the engine runs now stays (as a saved parameter would).
 */
async function consumerBundle(
  options: DeployOptions,
  paths: EnginePaths,
  applied: LocalPipeline | undefined,
): Promise<LoadedProcessor | undefined> {
  const entry = options.consumerEntry;
  if (entry === false) return undefined;
  if (entry !== undefined) {
    return options.reporter.step(`Load consumer ${entry}`, () =>
      loadProcessor({ functionsDir: paths.functions, entry, flag: '--consumer' }),
    );
  }
  const running = applied?.functions.find((fn) => fn.codeParameter === 'ConsumerCodeS3Key');
  if (!running?.bundlePath || !running.bundleSha || !existsSync(running.bundlePath)) return undefined;
  return {
    bundlePath: running.bundlePath,
    sha256: running.bundleSha,
    bytes: running.bundleBytes ?? 0,
    source: running.bundlePath,
  };
}

type ApplyRoute = Extract<EngineRoute, `POST /apply/${string}`>;

/** Sends one apply step; turns an engine-side failure into a UserError pointing at the log. */
async function applyPart<R extends ApplyRoute>(
  engine: LiveEngine,
  route: R,
  pipeline: LocalPipeline,
): Promise<EngineRoutes[R]['response']> {
  try {
    return await callRoute(engine.state.control, route, { pipeline }, 120_000);
  } catch (error) {
    if (!(error instanceof ControlError)) {
      const full = diskFullError(engine.state.dataDir, await logTail(engine.state.logFile, 20), error);
      if (full) throw full;
    }
    const message =
      error instanceof ControlError ? error.message : `the engine stopped answering (${(error as Error).message})`;
    throw new UserError(`The local engine could not apply the change: ${message}`, {
      hint: (error as ControlError).hint ?? `See the engine log: ${engine.state.logFile}`,
      code: 'ENGINE_APPLY',
      cause: error,
    });
  }
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

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { reporter, stack } = options;
  const paths = stackEnginePaths(stack.name);
  const desired = await desiredPipeline(options, paths);
  // Nothing silently ignored: each template property the engine does not apply is named.
  for (const note of desired.ignoredProperties ?? [])
    reporter.warn(`${note.logicalId} ${note.property} is not applied by the local engine: ${note.reason}`);
  // Checked before anything starts: the emulator would refuse the stream after the engine is up.
  if (desired.stream.shardCount > LOCAL_SHARD_LIMIT) {
    throw new UsageError(
      `ShardCount ${desired.stream.shardCount} is more than the local engine's ${LOCAL_SHARD_LIMIT} shards per stream`,
      { hint: `Use --shards ${LOCAL_SHARD_LIMIT} or fewer locally (AWS takes more).`, code: 'BAD_PARAMETER' },
    );
  }
  // Too little room to start an engine is refused before anything is written; an engine already
  // running keeps running, and the deploy says the disk is nearly full.
  try {
    await checkFreeSpace(paths.root);
  } catch (error) {
    const state = await readEngineState(paths.state);
    if (!state || !isProcessAlive(state.pid)) throw error;
    reporter.warn((error as Error).message);
  }
  return withDeployLock(stack.name, paths, reporter, () => deployHoldingLock(options, paths, desired));
}

async function deployHoldingLock(
  options: DeployOptions,
  paths: EnginePaths,
  planned: LocalPipeline,
): Promise<DeployResult> {
  const { reporter, stack } = options;
  let desired = planned;
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
  const applied = engine.status.pipeline && normalizePipeline(engine.status.pipeline);

  // The second consumer: a new handler (--consumer), none (--no-consumer), or the one running.
  const consumer = await consumerBundle(options, paths, applied);
  if (consumer) desired = await desiredPipeline(options, paths, { ConsumerCodeS3Key: `local/${consumer.sha256}` });
  const bundles: Record<string, { bundlePath: string; sha256: string; bytes: number }> = {
    CodeS3Key: processor,
    ...(consumer ? { ConsumerCodeS3Key: consumer } : {}),
  };
  desired.functions = desired.functions.map((fn) => {
    const bundle = bundles[fn.codeParameter ?? 'CodeS3Key'];
    if (!bundle) throw new Error(`no bundle for function ${fn.logicalId} (${fn.codeParameter})`);
    return { ...fn, bundlePath: bundle.bundlePath, bundleSha: bundle.sha256, bundleBytes: bundle.bytes };
  });

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
  try {
    if (diff.stream || fresh) {
      const title = fresh
        ? `Create stream ${desired.stream.name} (${desired.stream.shardCount} shard${desired.stream.shardCount === 1 ? '' : 's'})`
        : `Update stream ${desired.stream.name}`;
      stream = await reporter.step(title, () => applyPart(engine, 'POST /apply/stream', desired));
    }
    if (diff.table || fresh) {
      const title = fresh ? `Create table ${desired.table.name}` : `Update table ${desired.table.name}`;
      table = await reporter.step(title, () => applyPart(engine, 'POST /apply/table', desired));
    }
    if (diff.mapping || fresh || !engine.status.mappingRunning) {
      const title = engine.status.mappingRunning
        ? 'Update event source mapping (hot swap)'
        : 'Start event source mapping';
      await reporter.step(title, () => applyPart(engine, 'POST /apply/mapping', desired));
    }
    if (diff.changes.length > 0) await applyPart(engine, 'POST /apply/commit', desired);
  } catch (error) {
    // An engine this deploy started for nothing that now exists must not be left running.
    if (was === 'created') await stopEngine(paths, 5_000).catch(() => undefined);
    throw error;
  }

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
      failureFile: primaryMapping(desired).failureFile,
      processor: { source: processor.source, sha256: processor.sha256, bytes: processor.bytes },
      ...(consumer ? { consumer: { source: consumer.source, sha256: consumer.sha256, bytes: consumer.bytes } } : {}),
      parameters: desired.parameters,
      ignored: desired.ignoredProperties ?? [],
      substituted: desired.substitutedProperties ?? [],
      ttl: desired.table.ttlAttribute
        ? `enforced by the engine's sweeper every ${TTL_SWEEP_INTERVAL_MS / 1000} s (${desired.table.ttlAttribute})`
        : 'none',
    },
  };
}
