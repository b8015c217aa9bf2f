/**
 * Bundles the Lambda processor (`lambda/processor/index.ts`) into one minified ES module and a
 * deterministic zip, so that the same source yields the same bytes and the same SHA-256: deploy
 * compares hashes to skip unchanged code, and the local engine runs exactly what AWS would.
 *
 * The AWS SDK stays external for handlers that use it (`--processor`): the Lambda Node.js runtime
 * ships SDK v3 (`@aws-sdk/*`, `@smithy/*`). The built-in processor needs none of it: it signs its
 * one call itself (see lambda/processor/dynamodb-client.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { packageRoot } from '../package-root.js';

export interface BundleProcessorOptions {
  /** Handler source. Default `<package root>/lambda/processor/index.ts`. */
  entry?: string;
  /** When set, also write `index.mjs`, `processor.zip` and `processor.json` there. Default: write nothing. */
  outDir?: string;
}

export interface ProcessorBundle {
  /** The minified ES module (`index.mjs`). */
  code: Uint8Array;
  /** A zip holding `index.mjs` only; Lambda handler `index.handler`. */
  zip: Uint8Array;
  /** SHA-256 of the zip, hex. */
  sha256: string;
  codeBytes: number;
  zipBytes: number;
}

/** What `processor.json` records beside the prebuilt zip. */
export interface ProcessorBundleManifest {
  sha256: string;
  codeBytes: number;
  zipBytes: number;
}

export const PROCESSOR_CODE_FILE = 'index.mjs';
export const PROCESSOR_ZIP_FILE = 'processor.zip';
export const PROCESSOR_MANIFEST_FILE = 'processor.json';
/** The Lambda `Handler` setting matching the bundle. */
export const PROCESSOR_HANDLER = 'index.handler';

/**
 * Zip entries carry a DOS timestamp in local time; fflate converts with the local getters, so a
 * local-time date gives the same bytes in every time zone. 1980-01-01 is the earliest DOS date.
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--, in the high half of the external attributes (Unix "made by"). */
const FILE_ATTRS = (0o100644 << 16) >>> 0;
const UNIX_OS = 3;

/** Where `npm run build` puts the processor bundle. */
export function prebuiltProcessorPaths(): { dir: string; code: string; zip: string; manifest: string } {
  const dir = join(packageRoot(), 'dist', 'processor');
  return {
    dir,
    code: join(dir, PROCESSOR_CODE_FILE),
    zip: join(dir, PROCESSOR_ZIP_FILE),
    manifest: join(dir, PROCESSOR_MANIFEST_FILE),
  };
}

export async function bundleProcessor(options: BundleProcessorOptions = {}): Promise<ProcessorBundle> {
  const root = packageRoot();
  const entry = resolve(options.entry ?? join(root, 'lambda', 'processor', 'index.ts'));
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    external: ['@aws-sdk/*', '@smithy/*'],
    // CommonJS dependencies bundled into an ES module call require() for Node built-ins; ES
    // modules have no require, so give them one.
    banner: {
      js: "import{createRequire as __streamprocRequire}from'node:module';const require=__streamprocRequire(import.meta.url);",
    },
    // Bundled contract modules are plain TypeScript; no tsconfig paths or JSX are involved.
    tsconfigRaw: {},
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  const code = output.contents;

  const { zipSync } = await import('fflate');
  const zip = zipSync({
    [PROCESSOR_CODE_FILE]: [code, { mtime: FIXED_MTIME, attrs: FILE_ATTRS, os: UNIX_OS, level: 9 }],
  });
  const bundle: ProcessorBundle = {
    code,
    zip,
    sha256: createHash('sha256').update(zip).digest('hex'),
    codeBytes: code.byteLength,
    zipBytes: zip.byteLength,
  };
  if (options.outDir) await writeBundle(bundle, options.outDir);
  return bundle;
}

async function writeBundle(bundle: ProcessorBundle, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const manifest: ProcessorBundleManifest = {
    sha256: bundle.sha256,
    codeBytes: bundle.codeBytes,
    zipBytes: bundle.zipBytes,
  };
  await writeFile(join(outDir, PROCESSOR_CODE_FILE), bundle.code);
  await writeFile(join(outDir, PROCESSOR_ZIP_FILE), bundle.zip);
  await writeFile(join(outDir, PROCESSOR_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Far above any handler's source (the built-in one is ~20 KB bundled), far below what would stall a deploy. */
export const MAX_PROCESSOR_SOURCE_BYTES = 5 * 1024 * 1024;

/**
 * `--processor PATH` must name a regular file of sensible size: esbuild would read `/dev/zero`,
 * a FIFO or a device forever, and a deploy must never hang silently.
 */
export async function checkProcessorEntry(entry: string, flag = '--processor'): Promise<void> {
  const hint = 'Pass the path of a TypeScript or JavaScript file exporting `handler`.';
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(entry);
  } catch {
    throw new UsageError(`${flag} ${entry}: no such file`, { hint, code: 'PROCESSOR_MISSING' });
  }
  if (!info.isFile()) {
    const what = info.isDirectory() ? 'a directory' : info.isFIFO() ? 'a FIFO' : 'not a regular file';
    throw new UsageError(`${flag} ${entry} is ${what}`, { hint, code: 'PROCESSOR_NOT_A_FILE' });
  }
  if (info.size > MAX_PROCESSOR_SOURCE_BYTES) {
    throw new UsageError(
      `${flag} ${entry} is ${(info.size / 1024 / 1024).toFixed(1)} MiB; a handler source is at most ${MAX_PROCESSOR_SOURCE_BYTES / 1024 / 1024} MiB`,
      { hint, code: 'PROCESSOR_TOO_LARGE' },
    );
  }
}
