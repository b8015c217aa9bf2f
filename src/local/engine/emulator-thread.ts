/**
 * The program of an emulator's worker thread (started by emulators.ts): starts one emulator
 * (kinesalite or dynalite), listens on 127.0.0.1 on the preferred port or any free one, reports
 * the port; on a message closes the server (the emulator closes its LevelDB in close(); idle
 * keep-alive sockets would delay it) and reports that it closed. Imports only Node.js built-ins,
 * so that from source it runs as one compiled file (see programFile in mapping/worker-entry.ts).
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface EmulatorThreadData {
  /** A module URL from which `module` resolves (streamproc's own install). */
  requireFrom: string;
  module: 'kinesalite' | 'dynalite';
  options: Record<string, unknown>;
  preferredPort?: number;
}

export type EmulatorThreadMessage = { port: number } | { closed: true };

const data = workerData as EmulatorThreadData;
const port = parentPort;
if (!port) throw new Error('emulator-thread runs as a worker thread');
const start = createRequire(data.requireFrom)(data.module) as (options: Record<string, unknown>) => Server;
const server = start(data.options);

function listen(at: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(at, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

// Taken by something else since the preferred port was saved: any free one will do.
const preferred = data.preferredPort ? await listen(data.preferredPort).catch(() => undefined) : undefined;
port.postMessage({ port: preferred ?? (await listen(0)) } satisfies EmulatorThreadMessage);
port.on('message', () => {
  server.close(() => port.postMessage({ closed: true } satisfies EmulatorThreadMessage));
  server.closeAllConnections?.();
});
