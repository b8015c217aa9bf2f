/** Counts the batches waiting in the local on-failure destination: one JSON line each in failures.jsonl. */
import { createReadStream } from 'node:fs';

/** Lines in `file` (a last line without a newline counts); 0 when the file does not exist. */
export function countLines(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let lines = 0;
    let last = 0x0a;
    createReadStream(file)
      .on('data', (data: string | Buffer) => {
        const chunk = typeof data === 'string' ? Buffer.from(data) : data;
        for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
        if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
      })
      .on('end', () => resolve(lines + (last === 0x0a ? 0 : 1)))
      .on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(0) : reject(error)));
  });
}
