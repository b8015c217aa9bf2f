/**
 * Build step (`npm run build`): bundles the processor into dist/processor so that deploy and
 * the local engine use a prebuilt, hashed artifact instead of needing esbuild at run time.
 * A top-level script, so it prints its one line and sets the exit code.
 */
import { bundleProcessor, prebuiltProcessorPaths } from '../src/stack/processor-bundle.js';

const SIZE_GOAL_BYTES = 30 * 1024;

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

try {
  const paths = prebuiltProcessorPaths();
  const bundle = await bundleProcessor({ outDir: paths.dir });
  console.log(
    `processor bundle: ${kilobytes(bundle.codeBytes)} minified, zip ${kilobytes(bundle.zipBytes)}, ` +
      `sha256 ${bundle.sha256.slice(0, 12)}… (${paths.zip})`,
  );
  if (bundle.codeBytes > SIZE_GOAL_BYTES) {
    console.warn(`warning: the processor bundle exceeds its ${kilobytes(SIZE_GOAL_BYTES)} goal`);
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`processor bundle failed: ${message}`);
  process.exitCode = 1;
}
