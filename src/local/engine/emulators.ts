/**
 * The two embedded emulators, on 127.0.0.1 with random ports and their LevelDB data on disk, each
 * in a worker thread of this process. Both are CommonJS without types, single-threaded and
 * CPU-bound under load (dynalite's validation and LevelDB calls were 14.5 s of the engine's 38 s of
 * CPU while the built-in processor wrote 50,000 items, kinesalite's another 5.4 s), so in one
 * thread with the mapping runner they capped the pipeline at one core. In their own threads they
 * run beside the runner and each other; the engine stays one process (one pid, one lock).
 * Each thread runs emulator-thread.ts; a thread that dies is an uncaught exception of the engine,
 * as it was when they ran inline.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { programFile } from '../mapping/worker-entry.js';
import { LOCAL_SHARD_LIMIT } from './constants.js';
import type { EmulatorThreadData, EmulatorThreadMessage } from './emulator-thread.js';

const require = createRequire(import.meta.url);

interface KinesaliteOptions {
  path?: string;
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}
interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

export interface EmulatorOptions {
  kinesisDir: string;
  dynamodbDir: string;
  /** Region and account in the ARNs kinesalite makes (it reads them from the environment). */
  region: string;
  accountId: string;
  /** Try these ports first (the previous run's), so clients keep working across restarts. */
  preferredPorts?: { kinesis?: number; dynamodb?: number };
}

export interface Emulators {
  kinesisEndpoint: string;
  dynamodbEndpoint: string;
  /** Preferred ports that were taken by something else, so a new port was used instead. */
  portsTaken: { service: 'kinesis' | 'dynamodb'; preferred: number; port: number }[];
  versions: { kinesalite: string; dynalite: string };
  close(): Promise<void>;
}

interface EmulatorThread {
  port: number;
  close(): Promise<void>;
}

async function startThread(
  module: 'kinesalite' | 'dynalite',
  options: KinesaliteOptions | DynaliteOptions,
  preferredPort: number | undefined,
): Promise<EmulatorThread> {
  const workerData: EmulatorThreadData = {
    requireFrom: import.meta.url,
    module,
    options: { ...options },
    preferredPort,
  };
  const worker = new Worker(programFile(import.meta.url, 'emulator-thread'), { name: module, workerData });
  let started = false;
  let failed = false;
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    worker.on('message', (message: EmulatorThreadMessage) => {
      if ('port' in message) {
        started = true;
        resolve(message.port);
      }
    });
    // During start-up a failure rejects the start; after it, a dying emulator is the engine's
    // uncaught exception (it logs and stops).
    worker.once('error', (error) => {
      failed = true;
      reject(error);
      if (started)
        process.nextTick(() => {
          throw error;
        });
    });
    worker.once('exit', (code) => {
      const error = new Error(`the ${module} thread exited with code ${code}`);
      reject(error);
      // An error already said why; an exit nobody asked for says it here.
      if (started && !closing && !failed)
        process.nextTick(() => {
          throw error;
        });
    });
  });
  return {
    port,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) =>
        worker.on('message', (message: EmulatorThreadMessage) => {
          if ('closed' in message) resolve();
        }),
      );
      // A thread that already died (the engine is stopping because of it) has nothing to close.
      worker.postMessage('close');
      await Promise.race([closed, exited]);
      await worker.terminate();
    },
  };
}

export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  await Promise.all([
    mkdir(options.kinesisDir, { recursive: true, mode: 0o700 }),
    mkdir(options.dynamodbDir, { recursive: true, mode: 0o700 }),
  ]);
  process.env.AWS_REGION = options.region;
  process.env.AWS_ACCOUNT_ID = options.accountId;
  const preferred = options.preferredPorts ?? {};
  // Both start before either failure is handled, so a failed start never leaves a thread running.
  const [kinesisStart, dynamodbStart] = await Promise.allSettled([
    startThread(
      'kinesalite',
      {
        path: options.kinesisDir,
        createStreamMs: 0,
        deleteStreamMs: 0,
        updateStreamMs: 0,
        shardLimit: LOCAL_SHARD_LIMIT,
      },
      preferred.kinesis,
    ),
    startThread(
      'dynalite',
      { path: options.dynamodbDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 },
      preferred.dynamodb,
    ),
  ]);
  if (kinesisStart.status === 'rejected' || dynamodbStart.status === 'rejected') {
    for (const started of [kinesisStart, dynamodbStart])
      if (started.status === 'fulfilled') await started.value.close();
    throw (kinesisStart.status === 'rejected' ? kinesisStart : (dynamodbStart as PromiseRejectedResult)).reason;
  }
  const kinesis = kinesisStart.value;
  const dynamodb = dynamodbStart.value;
  const kinesisPort = kinesis.port;
  const dynamodbPort = dynamodb.port;
  const portsTaken: Emulators['portsTaken'] = [];
  if (preferred.kinesis && preferred.kinesis !== kinesisPort)
    portsTaken.push({ service: 'kinesis', preferred: preferred.kinesis, port: kinesisPort });
  if (preferred.dynamodb && preferred.dynamodb !== dynamodbPort)
    portsTaken.push({ service: 'dynamodb', preferred: preferred.dynamodb, port: dynamodbPort });
  return {
    kinesisEndpoint: `http://127.0.0.1:${kinesisPort}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynamodbPort}`,
    portsTaken,
    versions: {
      kinesalite: (require('kinesalite/package.json') as { version: string }).version,
      dynalite: (require('dynalite/package.json') as { version: string }).version,
    },
    close: async () => {
      await Promise.all([kinesis.close(), dynamodb.close()]);
    },
  };
}
