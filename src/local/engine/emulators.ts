/**
 * The two embedded emulators, in this process, on 127.0.0.1 with random ports and their LevelDB
 * data on disk. Both are CommonJS without types; the surface used here is declared locally.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { LOCAL_SHARD_LIMIT } from './constants.js';

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

const require = createRequire(import.meta.url);

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

async function listen(server: Server, port: number | undefined): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  if (port) {
    try {
      return await attempt(port);
    } catch {
      // Taken by something else since: any free port will do.
    }
  }
  return attempt(0);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // kinesalite and dynalite close their LevelDB in close(); idle keep-alive sockets would delay it.
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  await Promise.all([
    mkdir(options.kinesisDir, { recursive: true, mode: 0o700 }),
    mkdir(options.dynamodbDir, { recursive: true, mode: 0o700 }),
  ]);
  process.env.AWS_REGION = options.region;
  process.env.AWS_ACCOUNT_ID = options.accountId;
  const kinesalite = require('kinesalite') as (o: KinesaliteOptions) => Server;
  const dynalite = require('dynalite') as (o: DynaliteOptions) => Server;
  const kinesis = kinesalite({
    path: options.kinesisDir,
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: LOCAL_SHARD_LIMIT,
  });
  const dynamodb = dynalite({ path: options.dynamodbDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const preferred = options.preferredPorts ?? {};
  const [kinesisPort, dynamodbPort] = await Promise.all([
    listen(kinesis, preferred.kinesis),
    listen(dynamodb, preferred.dynamodb),
  ]);
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
      await Promise.all([closeServer(kinesis), closeServer(dynamodb)]);
    },
  };
}
