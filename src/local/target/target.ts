/**
 * The local target: `deploy` (deploy.ts), `teardown`, `describe` and `endpoints` against the
 * embedded engine. Template evaluation and the diff happen in the CLI; the engine applies what it is sent.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { DEFAULT_STACK_NAME } from '../../config/settings.js';
import { resourceName } from '../../config/stack-name.js';
import type { ResolvedStack } from '../../config/store.js';
import { UserError } from '../../errors.js';
import { lockHolder } from '../../pid-lock.js';
import type {
  PipelineEndpoints,
  StackDescription,
  StackTarget,
  TeardownOptions,
  TeardownResult,
} from '../../target.js';
import { LOCAL_CREDENTIALS } from '../engine/constants.js';
import { callRoute } from '../engine/control-client.js';
import { type EnginePaths, stackEnginePaths } from '../engine/paths.js';
import type { LocalPipeline } from '../engine/protocol.js';
import { isProcessAlive, readEngineState, readJson } from '../engine/state.js';
import { deploy } from './deploy.js';
import { findRunningEngine, stopEngine } from './engine-launcher.js';

const deployHint = (stack: string) =>
  `Run \`streamproc deploy${stack === DEFAULT_STACK_NAME ? '' : ` --stack ${stack}`}\`.`;

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
    approximateItems = await callRoute(running.state.control, 'GET /items', undefined, 30_000)
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
  if (!running) throw await notRunning(stack.name, paths);
  const { state, status } = running;
  return {
    target: 'local',
    stack: stack.name,
    region: state.region,
    streamName: status.pipeline?.stream.name ?? resourceName(stack.name, 'stream'),
    tableName: status.pipeline?.table.name ?? resourceName(stack.name, 'table'),
    kinesis: { endpoint: state.endpoints.kinesis, credentials: { ...LOCAL_CREDENTIALS } },
    dynamodb: { endpoint: state.endpoints.dynamodb, credentials: { ...LOCAL_CREDENTIALS } },
    failures: { kind: 'file', path: paths.failures },
  };
}

/**
 * Why no engine answers, truthfully: an engine process may hold the stack's lock while its state
 * file (where its endpoints and control token are) is unreadable or answers nothing.
 */
async function notRunning(stack: string, paths: EnginePaths): Promise<UserError> {
  const holder = await lockHolder(paths.lock);
  if (holder !== undefined && isProcessAlive(holder)) {
    const state = await readEngineState(paths.state);
    const why = state
      ? 'does not answer on its control channel'
      : `its state file ${paths.state} is missing or unreadable`;
    return new UserError(`The local engine for stack ${stack} is running (pid ${holder}), but ${why}`, {
      hint: `Stop it with \`streamproc teardown --keep-data${stack === DEFAULT_STACK_NAME ? '' : ` --stack ${stack}`}\` (or kill ${holder}), then ${deployHint(stack).replace(/^Run /, 'run ')}`,
      code: 'ENGINE_UNREACHABLE',
    });
  }
  return new UserError(`The local engine for stack ${stack} is not running`, {
    hint: deployHint(stack),
    code: 'ENGINE_NOT_RUNNING',
  });
}

export function localTarget(): StackTarget {
  return { deploy, teardown, describe, endpoints };
}
