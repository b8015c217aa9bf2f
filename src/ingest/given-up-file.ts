/** Records the producer gave up on: where they go by default and how they are written. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stackDataDir } from '../config/paths.js';
import type { ProducerRecord } from './producer.js';

/**
 * Where a run's given-up records go by default: under the stack's data directory, one file per
 * run, named by `run` (by default the start time, so that runs never append to each other's file).
 */
export function givenUpFilePath(
  stack: string,
  options: { run?: string; now?: Date; env?: NodeJS.ProcessEnv } = {},
): string {
  const run = options.run ?? (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
  return join(stackDataDir(stack, options.env), 'ingest', `given-up-${run}.ndjson`);
}

/**
 * Records the producer gave up on, as NDJSON of the record contract, which `ingest --file`
 * replays as is. Written synchronously and appended as it happens, so that the file is complete
 * even when the process is killed right after (or by) the second Ctrl-C.
 */
export class GivenUpFile {
  private written = 0;

  constructor(readonly path: string) {}

  get count(): number {
    return this.written;
  }

  /** The path once something was written, else null (the file is only created when needed). */
  get pathIfWritten(): string | null {
    return this.written > 0 ? this.path : null;
  }

  append(records: readonly ProducerRecord[]): void {
    if (records.length === 0) return;
    if (this.written === 0) mkdirSync(dirname(this.path), { recursive: true });
    const parts: Uint8Array[] = [];
    const newline = Buffer.from('\n');
    for (const record of records) parts.push(record.data, newline);
    appendFileSync(this.path, Buffer.concat(parts), { mode: 0o600 });
    this.written += records.length;
  }
}
