/**
 * Where streamproc's own files are (templates/, dist/processor/, package.json): the nearest
 * directory above this module whose package.json is streamproc's. Code runs both from `src/`
 * (vitest, tsx) and from `dist/src/` (the built CLI), at different depths, so it is found, not
 * assumed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'streamproc') {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the streamproc package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** streamproc's version from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
