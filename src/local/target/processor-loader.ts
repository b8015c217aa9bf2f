/**
 * Puts the processor bundle where the engine runs it: `<data>/function/<sha>.mjs`, by content
 * hash, so that a rebuild of dist/ never changes what a running engine executes and a hot swap
 * is a new file. The bundle keeps the AWS SDK external (the Lambda runtime has it), so a
 * `node_modules` link beside it lets Node resolve those imports from streamproc's own install.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../../errors.js';

export interface LoadedProcessor {
  bundlePath: string;
  sha256: string;
  bytes: number;
  /** Where it came from: the prebuilt bundle or the custom entry. */
  source: string;
}

export interface LoadProcessorOptions {
  functionsDir: string;
  /** A custom handler source (TypeScript or JavaScript) to bundle; default: the prebuilt processor. */
  entry?: string;
  /** The flag that named the entry, for errors. Default `--processor`. */
  flag?: string;
}

/** The node_modules directory that holds the SDK packages the processor imports. */
function sdkNodeModules(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@aws-sdk/client-dynamodb/package.json');
  // …/node_modules/@aws-sdk/client-dynamodb/package.json → …/node_modules
  return dirname(dirname(dirname(pkg)));
}

export async function loadProcessor(options: LoadProcessorOptions): Promise<LoadedProcessor> {
  let code: Uint8Array;
  let source: string;
  const { bundleProcessor, prebuiltProcessorPaths } = await import('../../stack/processor-bundle.js');
  if (options.entry) {
    if (!existsSync(options.entry)) {
      throw new UserError(`${options.flag ?? '--processor'} ${options.entry}: no such file`, {
        hint: 'Pass the path of a TypeScript or JavaScript file exporting `handler`.',
        exit: 2,
        code: 'PROCESSOR_MISSING',
      });
    }
    try {
      code = (await bundleProcessor({ entry: options.entry })).code;
    } catch (error) {
      throw new UserError(`Could not bundle ${options.entry}: ${(error as Error).message.split('\n')[0]}`, {
        hint: 'Fix the handler source; it must build with esbuild and export `handler`.',
        code: 'PROCESSOR_BUNDLE',
        cause: error,
      });
    }
    source = options.entry;
  } else {
    source = prebuiltProcessorPaths().code;
    try {
      code = await readFile(source);
    } catch {
      throw new UserError(`The processor bundle ${source} is missing`, {
        hint: 'Build streamproc (`npm run build`), or pass --processor PATH to bundle a handler.',
        code: 'PROCESSOR_MISSING',
      });
    }
  }
  const sha256 = createHash('sha256').update(code).digest('hex');
  await mkdir(options.functionsDir, { recursive: true, mode: 0o700 });
  const link = join(options.functionsDir, 'node_modules');
  if (!existsSync(link)) {
    try {
      await symlink(sdkNodeModules(), link, 'junction');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const bundlePath = join(options.functionsDir, `${sha256.slice(0, 16)}.mjs`);
  if (!existsSync(bundlePath)) {
    const temp = `${bundlePath}.${process.pid}.tmp`;
    await writeFile(temp, code, { mode: 0o600 });
    await rename(temp, bundlePath);
  }
  return { bundlePath, sha256, bytes: code.byteLength, source };
}
