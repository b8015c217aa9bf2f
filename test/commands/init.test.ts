/**
 * `streamproc init`: flags, validation and the settings file, run in-process (run-command.ts);
 * the refusal without a terminal also through the built CLI, where stdin really is a pipe.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDirs } from '../helpers/cli.js';
import { runCommand } from '../helpers/run-command.js';

const BEARER = 'AAAAAAAAAAAAAAAAAAAAAbearerSECRETzz9911';
const API_SECRET = 'apiSECRETvalue-0123456789abcdefXYZW';
const ACCESS_SECRET = 'accessTokenSECRET-9876543210qwerQWER';

type Dirs = Awaited<ReturnType<typeof tempDirs>>;
let dirs: Dirs;

beforeEach(async () => {
  dirs = await tempDirs();
});
afterEach(async () => {
  await dirs.cleanup();
});

const configPath = () => join(dirs.configDir, 'config.json');
const init = (args: string[], env?: NodeJS.ProcessEnv) => runCommand(['init', ...args], { dirs, env });

function assertNoSecrets(...texts: string[]) {
  for (const text of texts) {
    for (const secret of [BEARER, API_SECRET, ACCESS_SECRET]) expect(text).not.toContain(secret);
  }
}

describe('streamproc init', () => {
  it('creates a stack from flags with --yes, file 0600 in a 0700 directory', async () => {
    // Act
    const result = await init([
      '--yes',
      '--stack',
      'demo',
      '--keywords',
      'aws, lambda ,kinesis',
      '--twitter-bearer-token',
      BEARER,
    ]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created stack "demo"');
    expect(result.stdout).toContain('set (ends …9911)');
    const saved = JSON.parse(await readFile(configPath(), 'utf8'));
    expect(saved.defaultStack).toBe('demo');
    expect(saved.stacks.demo).toMatchObject({
      target: 'local',
      keywords: ['aws', 'lambda', 'kinesis'],
      retentionDays: 30,
      twitter: { bearerToken: BEARER },
    });
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);
    expect((await stat(dirs.configDir)).mode & 0o777).toBe(0o700);
    assertNoSecrets(result.stdout, result.stderr);
  });

  it('takes secrets from the environment and never prints them, in human or JSON output', async () => {
    const extra = { TWITTER_API_SECRET: API_SECRET, TWITTER_ACCESS_TOKEN_SECRET: ACCESS_SECRET };
    const human = await init(['--yes', '--stack', 'envs', '--twitter-bearer-token', BEARER], extra);
    const json = await init(['--yes', '--stack', 'envs', '--json'], extra);
    const debug = await init(['--yes', '--stack', 'envs', '--debug', '--region', 'nowhere'], extra);

    expect(human.code).toBe(0);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ stack: 'envs', created: false, default: true, configFile: configPath() });
    expect(parsed.settings.twitter).toEqual({
      apiKey: 'not set',
      apiSecret: 'set (ends …QWER)'.replace('QWER', API_SECRET.slice(-4)),
      accessToken: 'not set',
      accessTokenSecret: `set (ends …${ACCESS_SECRET.slice(-4)})`,
      bearerToken: `set (ends …${BEARER.slice(-4)})`,
    });
    expect(debug.code).toBe(2);
    assertNoSecrets(human.stdout, human.stderr, json.stdout, json.stderr, debug.stdout, debug.stderr);
    const saved = JSON.parse(await readFile(configPath(), 'utf8'));
    expect(saved.stacks.envs.twitter.apiSecret).toBe(API_SECRET);
  });

  it('without a TTY and without flags exits 2 naming the missing flags, and writes nothing', async () => {
    const result = await init([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: init needs a terminal to prompt on, or these flags: --target, --keywords\n/);
    expect(result.stderr).toContain('Hint:');
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
    await expect(stat(configPath())).rejects.toThrow(/ENOENT/);
  });

  it('without a TTY and without flags exits 2 end to end (the built CLI, stdin a real pipe)', async () => {
    const result = await runCli(['init'], { env: dirs.env() });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: init needs a terminal to prompt on, or these flags: --target, --keywords\n/);
    expect(result.stderr).toContain('Hint:');
    await expect(stat(configPath())).rejects.toThrow(/ENOENT/);
  });

  it('without a TTY succeeds when the essential flags are given', async () => {
    const result = await init(['--stack', 's2', '--target', 'local', '--keywords', 'x']);
    expect(result.code).toBe(0);
  });

  it('requires a region for the aws target and validates it', async () => {
    const extra = { AWS_REGION: '', AWS_DEFAULT_REGION: '' };
    const missing = await init(['--yes', '--stack', 'prod', '--target', 'aws'], extra);
    const bad = await init(['--yes', '--stack', 'prod', '--target', 'aws', '--region', 'Mars-1'], extra);
    const good = await init(['--yes', '--stack', 'prod', '--target', 'aws', '--region', 'eu-west-1', '--json'], extra);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--region is needed for the aws target');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not an AWS region code');
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout).settings).toMatchObject({ target: 'aws', region: 'eu-west-1' });
  });

  it.each([
    ['1stack', 'starting with a letter'],
    ['has_underscore', 'letters, digits and hyphens'],
    ['a'.repeat(47), 'the limit is 46'],
  ])('rejects the stack name %s with exit 2', async (name, message) => {
    const result = await init(['--yes', '--stack', name]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('rejects empty keywords and a bad retention', async () => {
    const keywords = await init(['--yes', '--keywords', ' , ']);
    const retention = await init(['--yes', '--retention-days', '0']);
    expect(keywords.code).toBe(2);
    expect(keywords.stderr).toContain('--keywords: at least one keyword is needed');
    expect(retention.code).toBe(2);
    expect(retention.stderr).toContain('--retention-days');
  });

  it('names the file and line of a corrupt settings file and leaves it untouched', async () => {
    await mkdir(dirs.configDir, { recursive: true });
    const broken = '{\n  "version": 1,\n  "stacks": {\n    "demo": { "target": "local", }\n  }\n}\n';
    await writeFile(configPath(), broken);

    const result = await init(['--yes', '--stack', 'demo']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${configPath()}:4:`);
    expect(result.stderr).toContain('is not valid JSON');
    expect(await readFile(configPath(), 'utf8')).toBe(broken);
  });

  it('reports a hand-broken field precisely', async () => {
    await mkdir(dirs.configDir, { recursive: true });
    const doc = { version: 1, stacks: { demo: { target: 'mars', keywords: ['a'], retentionDays: 30 } } };
    await writeFile(configPath(), JSON.stringify(doc));

    const result = await init(['--yes', '--json']);

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('stacks.demo.target: expected "local" or "aws"'),
    });
  });

  it('keeps several stacks and switches the default only when asked', async () => {
    await init(['--yes', '--stack', 'first']);
    await init(['--yes', '--stack', 'second']);
    const afterSecond = JSON.parse(await readFile(configPath(), 'utf8'));
    await init(['--yes', '--stack', 'second', '--default']);
    const afterDefault = JSON.parse(await readFile(configPath(), 'utf8'));

    expect(Object.keys(afterSecond.stacks)).toEqual(['first', 'second']);
    expect(afterSecond.defaultStack).toBe('first');
    expect(afterDefault.defaultStack).toBe('second');
  });

  it('rejects an unknown flag as a usage error with a hint', async () => {
    const result = await init(['--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Nonexistent flag: --bogus');
    expect(result.stderr).toContain('Hint: See `streamproc init --help`.');
  });
});
