/** Where one stack's engine keeps its data, state, lock, log and ports, under the user's data directory. */
import { join } from 'node:path';
import { stackDataDir } from '../../config/paths.js';

/** Where one stack's local engine keeps everything; teardown removes `root`. */
export interface EnginePaths {
  root: string;
  kinesis: string;
  dynamodb: string;
  /** Checkpoints and the on-failure file of the event source mapping. */
  mapping: string;
  failures: string;
  /** Processor bundles the engine runs, by content hash. */
  functions: string;
  /** Runtime state (pid, endpoints, control token); present while the engine runs. */
  state: string;
  lock: string;
  log: string;
  /** What the engine was last told to provision; survives restarts. */
  pipeline: string;
  /** The emulators' last ports; a restart (even after kill -9) takes them again when free. */
  ports: string;
}

export function enginePaths(root: string): EnginePaths {
  return {
    root,
    kinesis: join(root, 'kinesis'),
    dynamodb: join(root, 'dynamodb'),
    mapping: join(root, 'mapping'),
    failures: join(root, 'mapping', 'failures.jsonl'),
    functions: join(root, 'function'),
    state: join(root, 'engine.json'),
    lock: join(root, 'engine.lock'),
    log: join(root, 'engine.log'),
    pipeline: join(root, 'pipeline.json'),
    ports: join(root, 'ports.json'),
  };
}

export function stackEnginePaths(stack: string, env: NodeJS.ProcessEnv = process.env): EnginePaths {
  return enginePaths(stackDataDir(stack, env));
}
