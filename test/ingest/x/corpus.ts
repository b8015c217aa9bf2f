/** The X payload corpus in test/fixtures/x: its files read line by line, and what each line is. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'x');

export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => name.endsWith('.ndjson'))
    .sort();
}

/** The non-empty lines of a corpus file, as replay reads them. */
export function corpusLines(file: string): string[] {
  return readFileSync(join(CORPUS_DIR, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);
}

export function corpusBytes(file: string): Buffer {
  return readFileSync(join(CORPUS_DIR, file));
}
