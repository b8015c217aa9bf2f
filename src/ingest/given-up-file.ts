import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProducerRecord } from './producer.js';

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
