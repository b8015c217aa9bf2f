/**
 * The processor zip deploy uploads: the prebuilt one from `npm run build` (dist/processor), or a
 * fresh bundle of `--processor PATH` (or of the built-in source when no prebuilt zip exists).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UserError } from '../../errors.js';

export interface ProcessorPackage {
  zip: Uint8Array;
  sha256: string;
  source: 'prebuilt' | 'bundled';
  /** The entry that was bundled, when bundled. */
  entry?: string;
}

export async function loadProcessorPackage(entry?: string, flag = '--processor'): Promise<ProcessorPackage> {
  const { bundleProcessor, prebuiltProcessorPaths } = await import('../processor-bundle.js');
  if (!entry) {
    try {
      const zip = new Uint8Array(await readFile(prebuiltProcessorPaths().zip));
      return { zip, sha256: createHash('sha256').update(zip).digest('hex'), source: 'prebuilt' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // No build output (running from source): bundle the built-in processor now.
    }
  }
  try {
    const bundle = await bundleProcessor(entry ? { entry } : {});
    return { zip: bundle.zip, sha256: bundle.sha256, source: 'bundled', entry };
  } catch (error) {
    throw new UserError(
      `Cannot bundle the processor${entry ? ` ${entry}` : ''}: ${(error as Error).message.split('\n')[0]}`,
      {
        hint: entry
          ? `Fix the file (it must export \`handler\`), or drop ${flag}${flag === '--processor' ? ' to deploy the built-in one' : ''}.`
          : 'Run `npm run build` first.',
        code: 'PROCESSOR_BUNDLE',
        cause: error,
      },
    );
  }
}
