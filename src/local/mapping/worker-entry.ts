// Which file a function's execution environment runs: the compiled worker, or one made from its source.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../package-root.js';

/**
 * Built (dist/), the worker is function-worker.js beside this module. From source (vitest, tsx)
 * function-worker.ts is compiled once into the project's node_modules/.cache (not the shared
 * temporary directory, where another user could plant the file first), rather than run through
 * `--import tsx` as the engine daemon is: a TypeScript loader in every execution environment
 * measured ~1.2 s instead of ~0.35 s to a ready environment here, several seconds on a busy
 * machine, and every cold start (first batch, after a timeout or crash, after an update) pays
 * it. The worker imports only Node.js built-ins (and types), so the compiled file runs alone.
 */

const fromSource = new Map<string, string>();

/** The absolute path of the worker program to pass to `node`. */
export function functionWorkerFile(): string {
  return programFile(import.meta.url, 'function-worker');
}

/**
 * A program another process or thread runs, next to the module at `moduleUrl`: the built
 * `<name>.js`, or, from source, `<name>.ts` compiled once as described above. The program may
 * import only Node.js built-ins (and types), so the compiled file runs alone.
 */
export function programFile(moduleUrl: string, name: string): string {
  const built = fileURLToPath(new URL(`./${name}.js`, moduleUrl));
  if (existsSync(built)) return built;
  const source = fileURLToPath(new URL(`./${name}.ts`, moduleUrl));
  let compiled = fromSource.get(source);
  if (!compiled) {
    compiled = compileFromSource(source, name);
    fromSource.set(source, compiled);
  }
  return compiled;
}

function compileFromSource(sourceFile: string, name: string): string {
  const source = readFileSync(sourceFile, 'utf8');
  // Named by content: processes running the same source share one file, an edit makes a new one.
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(packageRoot(), 'node_modules', '.cache', 'streamproc');
  const file = join(dir, `${name}-${hash}.mjs`);
  if (existsSync(file)) return file;
  // esbuild only when running from source; a built install never loads it here.
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const { code } = esbuild.transformSync(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: sourceFile,
  });
  // Written aside and renamed: parallel test workers may compile it at the same moment.
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return file;
}
