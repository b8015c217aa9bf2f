import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeSecret, redactStackSettings, scrubSecrets, secretValues } from '../../src/config/redact.js';
import type { SettingsFile, StackSettings } from '../../src/config/settings.js';
import { MAX_STACK_NAME_LENGTH, regionProblem, resourceNames, stackNameProblem } from '../../src/config/stack-name.js';
import { loadSettings, resolveStack, saveSettings, updateStackSettings } from '../../src/config/store.js';
import { UserError } from '../../src/errors.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-store-'));
  file = join(dir, 'nested', 'config.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stackFactory = (overrides: Partial<StackSettings> = {}): StackSettings => ({
  target: 'local',
  keywords: ['aws'],
  retentionDays: 30,
  ...overrides,
});

describe('settings store', () => {
  it('round-trips settings, creating the directory 0700 and the file 0600 with no temp files left', async () => {
    const settings: SettingsFile = {
      version: 1,
      defaultStack: 'a',
      stacks: {
        a: stackFactory({ twitter: { bearerToken: 'tok-1234567890' } }),
        b: stackFactory({ target: 'aws', region: 'eu-west-1', outputs: { StreamName: 'b-EventStream' } }),
      },
    };

    await saveSettings(settings, file);

    expect(await loadSettings(file)).toEqual(settings);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, 'nested'))).toEqual(['config.json']);
  });

  it('tightens a file that was made world-readable by hand', async () => {
    await saveSettings({ version: 1, stacks: {} }, file);
    await chmod(file, 0o644);
    await updateStackSettings('x', () => stackFactory(), { file });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('treats a missing file as empty settings', async () => {
    expect(await loadSettings(file)).toEqual({ version: 1, stacks: {} });
  });

  it('reports the line of a JSON error and does not touch the file', async () => {
    await mkdir(join(dir, 'nested'), { recursive: true });
    await writeFile(file, '{\n "version": 1,\n "stacks": {\n  oops\n }\n}');
    const error = await loadSettings(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(`${file}:4:`);
    expect((error as UserError).code).toBe('CONFIG_CORRUPT');
    expect(await readFile(file, 'utf8')).toContain('oops');
  });

  it.each([
    [{ version: 2, stacks: {} }, 'version: expected 1'],
    [{ version: 1 }, 'stacks: expected an object'],
    [{ version: 1, stacks: { a: { target: 'local', keywords: 'x', retentionDays: 1 } } }, 'stacks.a.keywords'],
    [{ version: 1, stacks: { a: { target: 'local', keywords: [], retentionDays: 1.5 } } }, 'stacks.a.retentionDays'],
    [{ version: 1, defaultStack: 'zz', stacks: {} }, 'defaultStack: "zz" is not one of the stacks'],
    [
      { version: 1, stacks: { a: { target: 'local', keywords: [], retentionDays: 1, twitter: { password: 'x' } } } },
      'unknown field password',
    ],
  ])('rejects a hand-broken document %#', async (doc, message) => {
    await mkdir(join(dir, 'nested'), { recursive: true });
    await writeFile(file, JSON.stringify(doc));
    await expect(loadSettings(file)).rejects.toThrow(message);
  });
});

describe('resolveStack', () => {
  const env = {} as NodeJS.ProcessEnv;

  it('uses built-in local defaults on a machine with no settings', async () => {
    const resolved = await resolveStack(undefined, { file, env });
    expect(resolved).toMatchObject({ name: 'streamproc', configured: false, settings: { target: 'local' } });
  });

  it('prefers --stack, then STREAMPROC_STACK, then the default stack', async () => {
    await saveSettings({ version: 1, defaultStack: 'a', stacks: { a: stackFactory(), b: stackFactory() } }, file);
    expect((await resolveStack(undefined, { file, env })).name).toBe('a');
    expect((await resolveStack(undefined, { file, env: { STREAMPROC_STACK: 'b' } })).name).toBe('b');
    expect((await resolveStack('a', { file, env: { STREAMPROC_STACK: 'b' } })).name).toBe('a');
  });

  it('keeps the built-in stack and a deployed-but-unconfigured local stack reachable by name', async () => {
    await saveSettings({ version: 1, defaultStack: 'a', stacks: { a: stackFactory() } }, file);
    const dataEnv = { STREAMPROC_DATA_DIR: join(dir, 'data') } as NodeJS.ProcessEnv;
    await mkdir(join(dir, 'data', 'stacks', 'early'), { recursive: true });

    const builtIn = await resolveStack('streamproc', { file, env: dataEnv });
    const early = await resolveStack('early', { file, env: dataEnv });

    expect(builtIn).toMatchObject({ name: 'streamproc', configured: false, settings: { target: 'local' } });
    expect(early).toMatchObject({ name: 'early', configured: false });
    await expect(resolveStack('never-deployed', { file, env: dataEnv })).rejects.toThrow('No stack named');
  });

  it('refuses a stack that is not in the settings, listing the known ones', async () => {
    await saveSettings({ version: 1, defaultStack: 'a', stacks: { a: stackFactory() } }, file);
    await expect(resolveStack('nope', { file, env })).rejects.toThrow('No stack named "nope"');
    await expect(resolveStack('bad_name', { file, env })).rejects.toMatchObject({ exit: 2 });
  });
});

describe('stack names and regions', () => {
  it('limits stack names so that every derived resource name fits', () => {
    expect(MAX_STACK_NAME_LENGTH).toBe(46);
    const longest = `a${'b'.repeat(MAX_STACK_NAME_LENGTH - 1)}`;
    expect(stackNameProblem(longest)).toBeUndefined();
    expect(resourceNames(longest).function.length).toBe(64);
    expect(stackNameProblem(`${longest}c`)).toContain('the limit is 46');
    expect(resourceNames('demo')).toMatchObject({
      stream: 'demo-EventStream',
      table: 'demo-EventData',
      function: 'demo-DDBEventProcessor',
    });
  });

  it.each(['us-east-1', 'eu-west-2', 'ap-southeast-3', 'us-gov-west-1', 'cn-north-1'])('accepts %s', (region) => {
    expect(regionProblem(region)).toBeUndefined();
  });
  it.each(['', 'useast1', 'US-EAST-1', 'us-east', 'moon-1'])('rejects "%s"', (region) => {
    expect(regionProblem(region)).toBeDefined();
  });
});

describe('redaction', () => {
  it('shows whether a secret is set and at most its last four characters', () => {
    expect(describeSecret(undefined)).toBe('not set');
    expect(describeSecret('short')).toBe('set');
    expect(describeSecret('0123456789abcdef')).toBe('set (ends …cdef)');
  });

  it('redacts every Twitter field and scrubs secrets from free text', () => {
    const settings = stackFactory({ twitter: { apiKey: 'key-0123456789', bearerToken: 'bearer-0123456789' } });
    const redacted = redactStackSettings(settings);
    expect(JSON.stringify(redacted)).not.toContain('0123456789');
    const text = scrubSecrets('request failed with key-0123456789 in the URL', secretValues(settings));
    expect(text).toBe('request failed with [redacted] in the URL');
  });
});
