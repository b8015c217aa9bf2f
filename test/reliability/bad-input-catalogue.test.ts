/**
 * The bad-input catalogue: every way a user can get a command wrong, run through the built CLI.
 * Each case must end with a one-line error and a hint (or, where the input is not an error, the
 * documented outcome), the right exit code, no stack trace, no secret in any output, and the
 * settings and the stack's checkpoints exactly as they were.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDirs } from '../helpers/cli.js';
import { killEngines } from '../helpers/engines.js';

const BEARER = 'AAAAAAAAAAAAAAAAAAAAAcatalogueSECRET-77aa99';
const API_SECRET = 'catalogue-api-secret-5f5f5f5f5f5f5f5f';

type Dirs = Awaited<ReturnType<typeof tempDirs>>;
let dirs: Dirs;

/** Path → SHA-256 of every file under a directory (what "untouched" means). */
async function snapshot(dir: string, skip: RegExp = /^$/): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (skip.test(path)) continue;
    out[path] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  }
  return out;
}

/** What must not change: the settings, and the running stack's checkpoints and state. */
const guarded = async () => ({
  config: await snapshot(dirs.configDir),
  stack: await snapshot(join(dirs.dataDir, 'stacks', 'demo'), /(kinesis|dynamodb|function)\/|engine\.log$/),
});

interface Case {
  name: string;
  args: string[];
  exit: number;
  /** Expected in the error line (or, for exit 0, in the output). */
  says: string | RegExp;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Runs first; returns the config dir to use instead of the shared one. */
  setup?: () => Promise<NodeJS.ProcessEnv>;
}

const corruptConfig = (text: string) => async () => {
  const configDir = join(dirs.root, `broken-${createHash('md5').update(text).digest('hex').slice(0, 8)}`);
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  await writeFile(join(configDir, 'config.json'), text, { mode: 0o600 });
  return { STREAMPROC_CONFIG_DIR: configDir };
};

const noAwsCredentials: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

const CASES: Case[] = [
  // init
  {
    name: 'init: stack name starting with a digit',
    args: ['init', '--yes', '--stack', '9lives'],
    exit: 2,
    says: 'starting with a letter',
  },
  {
    name: 'init: stack name too long for derived names',
    args: ['init', '--yes', '--stack', `s${'x'.repeat(46)}`],
    exit: 2,
    says: 'the limit is 46',
  },
  {
    name: 'init: unknown target',
    args: ['init', '--yes', '--target', 'mars'],
    exit: 2,
    says: /Expected --target=mars to be one of: local, aws/,
  },
  {
    name: 'init: not a region',
    args: ['init', '--yes', '--target', 'aws', '--region', 'moon-base'],
    exit: 2,
    says: 'not an AWS region code',
  },
  {
    name: 'init: no terminal and no flags',
    args: ['init', '--stack', 'fresh'],
    exit: 2,
    says: 'needs a terminal to prompt on, or these flags: --target, --keywords',
  },
  {
    name: 'init: empty keywords',
    args: ['init', '--yes', '--keywords', ','],
    exit: 2,
    says: 'at least one keyword is needed',
  },
  {
    name: 'init: retention of zero days',
    args: ['init', '--yes', '--retention-days', '0'],
    exit: 2,
    says: 'retention must be a whole number of days',
  },
  { name: 'init: unknown flag', args: ['init', '--colour'], exit: 2, says: 'Nonexistent flag: --colour' },
  // settings
  {
    name: 'deploy: corrupt settings file',
    args: ['deploy'],
    exit: 1,
    says: /config\.json:3:\d+ is not valid JSON/,
    setup: corruptConfig('{\n  "version": 1,\n  "stacks": { oops }\n}\n'),
  },
  {
    name: 'browse: hand-broken settings field',
    args: ['browse'],
    exit: 1,
    says: 'stacks.demo.retentionDays',
    setup: corruptConfig(
      JSON.stringify({ version: 1, stacks: { demo: { target: 'local', keywords: [], retentionDays: -1 } } }),
    ),
  },
  {
    name: 'deploy: stack not in the settings',
    args: ['deploy', '--stack', 'ghost'],
    exit: 1,
    says: 'No stack named "ghost"',
  },
  // deploy
  { name: 'deploy: parameter out of range', args: ['deploy', '-p', 'BatchSize=0'], exit: 2, says: 'BatchSize' },
  { name: 'deploy: unknown template parameter', args: ['deploy', '-p', 'Shards=2'], exit: 2, says: 'Shards' },
  { name: 'deploy: parameter without a value', args: ['deploy', '-p', 'BatchSize'], exit: 2, says: 'Name=Value' },
  {
    name: 'deploy: custom processor that does not exist',
    args: ['deploy', '--stack', 'idle', '--processor', 'no/such/handler.ts'],
    exit: 2,
    says: 'no/such/handler.ts',
  },
  {
    name: 'deploy: aws target without credentials',
    args: ['deploy', '--stack', 'cloud'],
    exit: 1,
    says: /credentials/i,
    env: noAwsCredentials,
  },
  // ingest
  { name: 'ingest: no source', args: ['ingest'], exit: 2, says: 'No source given' },
  {
    name: 'ingest: two sources',
    args: ['ingest', '--synthetic', '--file', 'x.jsonl'],
    exit: 2,
    says: /one source|only one/i,
  },
  {
    name: 'ingest: --count without --synthetic',
    args: ['ingest', '--file', '-', '--count', '5'],
    exit: 2,
    says: '--count',
  },
  {
    name: 'ingest: replay file missing',
    args: ['ingest', '--file', 'no-such-capture.jsonl'],
    exit: 1,
    says: 'no-such-capture.jsonl',
  },
  { name: 'ingest: replay path is a directory', args: ['ingest', '--file', ROOT], exit: 1, says: ROOT },
  {
    name: 'ingest: engine not running',
    args: ['ingest', '--stack', 'idle', '--synthetic', '--count', '1'],
    exit: 1,
    says: 'The local engine for stack idle is not running',
  },
  {
    name: 'ingest: live stream without X credentials',
    args: ['ingest', '--stack', 'idle', '--twitter'],
    exit: 1,
    says: /bearer token|credentials/i,
  },
  // browse
  {
    name: 'browse: engine not running',
    args: ['browse', '--stack', 'idle'],
    exit: 1,
    says: 'The local engine for stack idle is not running',
  },
  { name: 'browse: --since is not a time', args: ['browse', '--since', 'yesterdayish'], exit: 2, says: '--since' },
  {
    name: 'browse: --limit not a number',
    args: ['browse', '--limit', 'lots'],
    exit: 2,
    says: /Expected an integer|--limit/,
  },
  {
    name: 'browse: --user with --rejected',
    args: ['browse', '--rejected', '--user', 'x'],
    exit: 2,
    says: '--user cannot be combined with --rejected',
  },
  // teardown
  { name: 'teardown: no terminal and no confirmation', args: ['teardown'], exit: 2, says: 'without confirmation' },
  {
    name: 'teardown: --confirm names another stack',
    args: ['teardown', '--confirm', 'prod'],
    exit: 2,
    says: 'does not match the stack name',
  },
  // demo
  { name: 'demo: zero tweets', args: ['demo', '--count', '0'], exit: 2, says: '--count' },
  // hardening (issue 16): each of these once lost data, leaked, hung or misled
  {
    name: 'deploy: integer flag error keeps its reason',
    args: ['deploy', '--shards', 'abc'],
    exit: 2,
    says: 'Invalid value for --shards: Expected an integer but received: abc',
  },
  {
    name: 'deploy: more shards than a local stream holds, before any engine starts',
    args: ['deploy', '--stack', 'idle', '--shards', '100000'],
    exit: 2,
    says: /ShardCount 100000|at most|must be at most/,
  },
  {
    name: 'deploy: --processor /dev/zero is refused instead of hanging',
    args: ['deploy', '--stack', 'idle', '--processor', '/dev/zero'],
    exit: 2,
    says: '--processor /dev/zero is not a regular file',
  },
  {
    name: 'ingest: --seed beyond exact integers',
    args: ['ingest', '--synthetic', '--seed', '99999999999999999999'],
    exit: 2,
    says: 'Invalid value for --seed: beyond 9007199254740991',
  },
  {
    name: 'ingest: --as-producer on the local target (no identities there)',
    args: ['ingest', '--synthetic', '--count', '1', '--as-producer'],
    exit: 2,
    says: 'ingest --as-producer needs the aws target: the local engine has no identities',
  },
  {
    name: 'producer credentials: on the local target',
    args: ['producer', 'credentials'],
    exit: 2,
    says: 'producer credentials needs the aws target: the local engine has no identities',
  },
  {
    name: 'init: --ingest-as producer on the local target',
    args: ['init', '--yes', '--stack', 'idle', '--ingest-as', 'producer'],
    exit: 2,
    says: '--ingest-as producer needs the aws target: the local engine has no identities',
  },
  {
    name: 'producer credentials: --stdout without --yes',
    args: ['producer', 'credentials', '--stdout'],
    exit: 2,
    says: '--stdout prints the secret access key',
  },
  {
    name: 'ingest: --from-line without a file to resume',
    args: ['ingest', '--synthetic', '--from-line', '31'],
    exit: 2,
    says: '--from-line only applies to --file',
  },
  {
    name: 'ingest: --from-line 0',
    args: ['ingest', '--file', ROOT, '--from-line', '0'],
    exit: 2,
    says: 'Invalid value for --from-line',
  },
  {
    name: 'ingest: --given-up-file that can never be written (it spun a core)',
    args: ['ingest', '--synthetic', '--count', '1', '--given-up-file', '/proc/nope/x'],
    exit: 2,
    says: '--given-up-file /proc/nope/x cannot be written',
  },
  {
    name: 'ingest: --given-up-file is a directory',
    args: ['ingest', '--synthetic', '--count', '1', '--given-up-file', ROOT],
    exit: 2,
    says: `--given-up-file ${ROOT} is a directory`,
  },
  {
    name: 'browse: --lookback beyond what the table keeps (it exhausted memory)',
    args: ['browse', '-f', '--lookback', '99999d'],
    exit: 2,
    says: '--lookback 99999d is longer than stack demo keeps items',
  },
  {
    name: 'deploy: a broken settings file never quotes the text around the break (a token)',
    args: ['deploy'],
    exit: 1,
    says: /config\.json:2:\d+ is not valid JSON$/,
    setup: corruptConfig(`{"version": 1, "stacks": {"demo": {"twitter": {"bearerToken":\n ${BEARER} }}}}`),
  },
];

beforeAll(async () => {
  dirs = await tempDirs('streamproc-catalogue-');
  const env = dirs.env();
  const steps = [
    ['init', '--yes', '--stack', 'demo', '--twitter-bearer-token', BEARER, '--twitter-api-secret', API_SECRET],
    ['init', '--yes', '--stack', 'idle'],
    ['init', '--yes', '--stack', 'cloud', '--target', 'aws', '--region', 'us-east-1'],
    ['deploy', '--stack', 'demo', '--json'],
  ];
  for (const args of steps) {
    const result = await runCli(args, { env });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await killEngines(dirs.dataDir);
  await dirs.cleanup();
});

describe('bad input catalogue', () => {
  it('has at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('$name → exit $exit', async (c) => {
    // Prepare
    const extra = c.setup ? await c.setup() : {};
    const brokenFile = extra.STREAMPROC_CONFIG_DIR ? join(extra.STREAMPROC_CONFIG_DIR, 'config.json') : undefined;
    const brokenBefore = brokenFile ? await readFile(brokenFile, 'utf8') : undefined;
    const before = await guarded();

    // Act
    const result = await runCli(c.args, { env: dirs.env({ ...c.env, ...extra }), input: c.input, timeoutMs: 60_000 });

    // Assess: the exit code, one error line and one hint line, nothing else of note.
    expect(result.code, result.stderr).toBe(c.exit);
    const lines = result.stderr.trimEnd().split('\n');
    const errorAt = lines.findIndex((line) => line.startsWith('Error: '));
    expect(errorAt, result.stderr).toBeGreaterThanOrEqual(0);
    const errorLine = lines[errorAt] as string;
    if (typeof c.says === 'string') expect(errorLine).toContain(c.says);
    else expect(errorLine).toMatch(c.says);
    expect(lines[errorAt + 1], result.stderr).toMatch(/^Hint: \S/);
    expect(lines.length, 'nothing after the hint').toBe(errorAt + 2);
    expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    for (const secret of [BEARER, API_SECRET]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
    expect(await guarded()).toEqual(before);
    if (brokenFile) expect(await readFile(brokenFile, 'utf8')).toBe(brokenBefore);
  });

  it('binary garbage on stdin is counted as bad lines, never sent, and the run ends normally', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const result = await runCli(['ingest', '--file', '-', '--json'], { env: dirs.env(), input: garbage });

    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.sent).toBe(0);
    expect(summary.badLines).toBeGreaterThan(0);
    expect(result.stderr).not.toContain('\u001B[');
  });

  it('a huge line is reported by number, not sent, and the good lines around it still go', async () => {
    const good = (id: number) =>
      JSON.stringify({
        id_str: String(id),
        text: 'fine',
        created_at: 'Wed Oct 10 20:19:24 +0000 2018',
        user: { id_str: '42', screen_name: 'someone', name: 'Some One' },
      });
    const huge = JSON.stringify({
      id_str: '3',
      text: 'x'.repeat(3 * 1024 * 1024),
      user: { id_str: '1', screen_name: 'big' },
    });
    const input = [good(1), huge, good(2)].join('\n');

    const result = await runCli(['ingest', '--file', '-', '--json'], { env: dirs.env(), input });

    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.sent).toBe(2);
    expect(summary.badLines + summary.rejected).toBe(1);
  });

  it('a second engine for the same stack refuses, and the running one is unharmed', async () => {
    const state = JSON.parse(await readFile(join(dirs.dataDir, 'stacks', 'demo', 'engine.json'), 'utf8'));
    const { spawnSync } = await import('node:child_process');
    const second = spawnSync(
      process.execPath,
      [
        join(ROOT, 'dist', 'src', 'local', 'engine', 'main.js'),
        '--stack',
        'demo',
        '--data-dir',
        join(dirs.dataDir, 'stacks', 'demo'),
      ],
      { env: dirs.env(), encoding: 'utf8', timeout: 30_000 },
    );

    expect(second.status).toBe(3);
    expect(second.stdout + second.stderr).toContain(`already running`);
    expect(second.stdout + second.stderr).toContain(String(state.pid));
    const deploy = await runCli(['deploy', '--stack', 'demo', '--json'], { env: dirs.env() });
    expect(JSON.parse(deploy.stdout).status).toBe('unchanged');
  });

  it('teardown of a stack that does not exist is a success that says so', async () => {
    const result = await runCli(['teardown', '--stack', 'idle', '--yes'], { env: dirs.env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('does not exist');
  });
});
