#!/usr/bin/env node
// The AWS SDK warns on every run under Node 20; streamproc supports Node 20, so keep stderr clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // Fast path: loading @oclif/core alone costs more than Node's own start-up; scripts that only
  // ask for the version should not pay for it. Same text as oclif's version output.
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`streamproc/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
