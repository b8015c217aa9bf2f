/**
 * The manifest matches the command files; help and version answer (through bin/run.js, the way
 * users call them, and each command's help in-process); commands load nothing heavy at start-up.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDirs } from '../helpers/cli.js';
import { runCommand } from '../helpers/run-command.js';

interface ManifestFlag {
  name: string;
  type: string;
  char?: string;
  options?: string[];
  env?: string;
}
interface Manifest {
  commands: Record<string, { id: string; flags: Record<string, ManifestFlag> }>;
}

const COMMANDS_DIR = join(ROOT, 'src', 'commands');
let manifest: Manifest;
let commandIds: string[];

async function commandFiles(dir = COMMANDS_DIR, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const ids: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) ids.push(...(await commandFiles(join(dir, entry.name), `${prefix}${entry.name}:`)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      ids.push(`${prefix}${entry.name.replace(/\.ts$/, '')}`);
    }
  }
  return ids.sort();
}

beforeAll(async () => {
  manifest = JSON.parse(await readFile(join(ROOT, 'oclif.manifest.json'), 'utf8'));
  commandIds = await commandFiles();
});

describe('oclif.manifest.json', () => {
  it('lists exactly the command files', () => {
    expect(Object.keys(manifest.commands).sort()).toEqual(commandIds);
  });

  it('has the flags each command file declares (a stale manifest hides flags)', async () => {
    for (const id of commandIds) {
      const url = pathToFileURL(join(COMMANDS_DIR, `${id.replaceAll(':', '/')}.ts`)).href;
      const { default: Command } = await import(url);
      const declared = { ...Command.baseFlags, ...Command.flags, ...(Command.enableJsonFlag ? { json: {} } : {}) };
      const inManifest = manifest.commands[id]!.flags;
      expect(Object.keys(inManifest).sort(), `flags of ${id}`).toEqual(Object.keys(declared).sort());
      for (const [name, flag] of Object.entries(Command.flags ?? {}) as [string, ManifestFlag][]) {
        expect(inManifest[name], `${id} --${name}`).toMatchObject({
          type: flag.type,
          ...(flag.char ? { char: flag.char } : {}),
          ...(flag.options ? { options: flag.options } : {}),
        });
      }
    }
  });
});

describe('help', () => {
  it('lists every command and exits 0', async () => {
    const dirs = await tempDirs();
    try {
      const result = await runCli(['--help'], { env: dirs.env() });
      expect(result.code).toBe(0);
      // A command in a topic (`producer credentials`) is listed under its topic.
      for (const id of commandIds) expect(result.stdout).toContain(`  ${id.split(':')[0]} `);
    } finally {
      await dirs.cleanup();
    }
  });

  it('documents exit codes and --json on every command', async () => {
    const dirs = await tempDirs();
    try {
      for (const id of commandIds) {
        const result = await runCommand([...id.split(':'), '--help'], { dirs });
        expect(result.code, id).toBe(0);
        expect(result.stdout, id).toContain('Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted.');
        expect(result.stdout, id).toContain('--json');
        expect(result.stdout, id).toContain('EXAMPLES');
      }
    } finally {
      await dirs.cleanup();
    }
  });

  it('prints the version exactly as oclif would (bin/run.js answers --version without loading oclif)', async () => {
    const { Config } = await import('@oclif/core');
    const config = await Config.load(ROOT);
    const fast = await runCli(['--version']);
    const short = await runCli(['-v']);
    expect(fast.code).toBe(0);
    expect(fast.stdout).toBe(`${config.userAgent}\n`);
    expect(short.stdout).toBe(fast.stdout);
  });
});

/** Modules too heavy to load for `--help`; each must be imported lazily where it is needed. */
const HEAVY = /^(@aws-sdk\/|@smithy\/|twitter-api-v2|@inquirer\/|esbuild|kinesalite|dynalite|ora|fflate|yaml)/;

async function staticImports(file: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = await readFile(file, 'utf8');
  const bare: string[] = [];
  for (const match of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
    const spec = match[1]!;
    if (spec.startsWith('.'))
      bare.push(...(await staticImports(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen)));
    else bare.push(spec);
  }
  return bare;
}

describe('start-up stays light', () => {
  it('no command statically imports a heavy module (they load lazily on the path that needs them)', async () => {
    for (const id of commandIds) {
      const imports = await staticImports(join(COMMANDS_DIR, `${id.replaceAll(':', '/')}.ts`));
      expect(
        imports.filter((spec) => HEAVY.test(spec)),
        id,
      ).toEqual([]);
    }
  });
});
