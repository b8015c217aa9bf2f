/**
 * `streamproc logs` on the local target, through the built CLI: a handler of the test's that logs
 * known lines at every level is deployed, records go through the stream, and `logs` shows them
 * (batch summaries readable, secrets redacted), filters them (--grep, --level, --since), follows
 * them (-f sees a line logged after it started, and exits 0 on SIGINT), and reads engine.log with
 * --engine. Usage errors run in-process.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt, runCli, startCli, tempDirs } from '../helpers/cli.js';
import { killEngines } from '../helpers/engines.js';
import { kinesisClient } from '../helpers/kinesalite.js';
import { runCommand } from '../helpers/run-command.js';
import { waitUntil } from '../helpers/wait.js';

/** Stored with `init`, and printed by the handler: `logs` must never show it. */
const TOKEN = 'AAAA-logs-test-bearer-token-0123456789';

const HANDLER = `
export const handler = async (event) => {
  const texts = event.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  for (const text of texts) {
    console.log('info-line ' + text);
    console.warn('warn-line ' + text);
    console.error('error-line ' + text);
    console.log(JSON.stringify({ level: 'debug', msg: 'debug-json ' + text }));
  }
  console.log('token=${TOKEN}');
  console.log(JSON.stringify({
    level: 'info', msg: 'batch', records: texts.length, written: texts.length, rejected: 0, failed: 0,
    durationMs: 7, shardIds: [event.Records[0].eventID.split(':')[0]],
  }));
  return { batchItemFailures: [] };
};
`;

let dirs: Awaited<ReturnType<typeof tempDirs>>;

beforeAll(async () => {
  dirs = await tempDirs('streamproc-logs-');
});

afterAll(async () => {
  await killEngines(dirs.dataDir);
  await dirs?.cleanup();
});

describe('logs flags and errors (in-process)', () => {
  it.each([
    [['--level', 'loud'], /Expected --level=loud to be one of/],
    [['--since', 'yesterday'], /--since "yesterday" is not a time/],
    [['--no-such-flag'], /Nonexistent flag/],
  ])('exits 2 on %j with a hint', async (args, message) => {
    const result = await runCommand(['logs', ...args], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Hint:');
  });

  it('says a stack never deployed here has no logs, and what to run (also as JSON)', async () => {
    const fresh = await tempDirs('streamproc-logs-fresh-');
    try {
      const human = await runCommand(['logs'], { dirs: fresh });
      expect(human.code).toBe(1);
      expect(human.stderr).toContain('Error: Stack streamproc has not been deployed on this machine');
      expect(human.stderr).toContain('Hint: Run `streamproc deploy` first.');
      const json = await runCommand(['logs', '--json'], { dirs: fresh });
      expect(JSON.parse(json.stdout)).toEqual({ error: expect.objectContaining({ code: 'NOT_DEPLOYED', exit: 1 }) });
    } finally {
      await fresh.cleanup();
    }
  });

  it('refuses --engine on an aws stack', async () => {
    const aws = await tempDirs('streamproc-logs-aws-');
    try {
      const init = await runCommand(['init', '--yes', '--stack', 'cloud', '--target', 'aws', '--region', 'eu-west-1'], {
        dirs: aws,
      });
      expect(init.code).toBe(0);
      const result = await runCommand(['logs', '--stack', 'cloud', '--engine'], { dirs: aws });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Error: --engine reads the local engine's log, and stack cloud runs on aws");
    } finally {
      await aws.cleanup();
    }
  });
});

describe('logs against the local engine (built CLI)', () => {
  let kinesis: KinesisClient;
  const logFile = () => join(dirs.dataDir, 'stacks', 'streamproc', 'logs', 'streamproc-DDBEventProcessor.log');

  const put = async (...texts: string[]) => {
    const output = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'streamproc-EventStream',
        Records: texts.map((text) => ({ Data: new TextEncoder().encode(text), PartitionKey: text })),
      }),
    );
    expect(output.FailedRecordCount ?? 0).toBe(0);
  };
  /** Until the function has logged `text` (the file is what `logs` reads). */
  const logged = (text: string) =>
    waitUntil(
      async () => (await readFile(logFile(), 'utf8').catch(() => '')).includes(text),
      30_000,
      `"${text}" in the function log`,
    );

  beforeAll(async () => {
    requireBuilt('dist/src/commands/logs.js');
    const init = await runCli(['init', '--yes', '--keywords', 'aws'], {
      env: dirs.env({ TWITTER_BEARER_TOKEN: TOKEN }),
    });
    expect(init.code, init.stderr).toBe(0);
    const handler = join(dirs.root, 'levels.mjs');
    await writeFile(handler, HANDLER);
    const deploy = await runCli(['deploy', '--json', '--processor', handler], { env: dirs.env(), timeoutMs: 120_000 });
    expect(deploy.code, deploy.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(dirs.dataDir, 'stacks', 'streamproc', 'engine.json'), 'utf8')) as {
      endpoints: { kinesis: string };
    };
    kinesis = await kinesisClient(state.endpoints.kinesis, 3);
    await put('m1');
    await logged('info-line m1');
  }, 150_000);

  afterAll(async () => {
    kinesis?.destroy();
    await runCli(['teardown', '--yes'], { env: dirs.env(), timeoutMs: 60_000 });
  }, 90_000);

  it('shows the lines with START/END/REPORT, the batch summary as one line, the token redacted', async () => {
    const result = await runCli(['logs'], { env: dirs.env() });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} {2}/);
    const body = lines.map((line) => line.slice(14));
    expect(body).toContainEqual(expect.stringMatching(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/));
    expect(body).toContainEqual(expect.stringMatching(/\tINFO\tinfo-line m1$/));
    expect(body).toContainEqual(expect.stringMatching(/\tWARN\twarn-line m1$/));
    expect(body).toContainEqual(expect.stringMatching(/\tERROR\terror-line m1$/));
    expect(body).toContain('batch shardId-000000000000: 1 record, 1 written, 0 rejected, 0 failed, 7 ms');
    expect(body).toContainEqual(expect.stringMatching(/^END RequestId: /));
    expect(body).toContainEqual(expect.stringMatching(/^REPORT RequestId: .*\tDuration: [\d.]+ ms/));
    expect(result.stdout).toContain('token=[redacted]');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    // The file itself keeps what the function printed: redaction is in what `logs` shows.
    expect(await readFile(logFile(), 'utf8')).toContain(TOKEN);
  });

  it('--grep and --level filter; --json gives the raw events, one per line', async () => {
    const grep = await runCli(['logs', '--grep', 'warn-line'], { env: dirs.env() });
    expect(grep.code).toBe(0);
    expect(grep.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/\tWARN\twarn-line m1$/)]);

    const warn = await runCli(['logs', '--level', 'warn'], { env: dirs.env() });
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain('warn-line m1');
    expect(warn.stdout).toContain('error-line m1');
    for (const hidden of ['info-line', 'debug-json', 'START RequestId', 'REPORT RequestId', 'batch shardId'])
      expect(warn.stdout).not.toContain(hidden);

    const error = await runCli(['logs', '--level', 'error', '--grep', 'line m1'], { env: dirs.env() });
    expect(error.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/\tERROR\terror-line m1$/)]);

    const none = await runCli(['logs', '--grep', 'no such text'], { env: dirs.env() });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('No log lines match the filters since 10 minutes ago');

    const json = await runCli(['logs', '--json', '--grep', 'm1'], { env: dirs.env() });
    expect(json.code).toBe(0);
    const events = json.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const event of events) {
      expect(Object.keys(event)).toEqual(['timestamp', 'stream', 'source', 'message']);
      expect(event).toMatchObject({ stream: 'shardId-000000000000', source: 'stdout' });
      expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
    }
    expect(events.map((event) => event.message)).toContainEqual(expect.stringMatching(/\tINFO\tinfo-line m1$/));
  });

  it('--since bounds the lines by the time they were logged', async () => {
    // Every line of m1 is in the file, so stamped, before this instant.
    const between = new Date(Date.now() + 1).toISOString();
    await waitUntil(() => Date.now() > Date.parse(between), 1000, 'the clock to pass the bound');
    await put('m2');
    await logged('info-line m2');
    const since = await runCli(['logs', '--since', between, '--grep', 'info-line'], { env: dirs.env() });
    expect(since.code).toBe(0);
    expect(since.stdout).toContain('info-line m2');
    expect(since.stdout).not.toContain('info-line m1');
  });

  it('-f prints a line logged after it started and exits 0 on SIGINT', async () => {
    const follow = startCli(['logs', '-f', '--grep', 'info-line'], { env: dirs.env() });
    await follow.waitForOutput(/Following .*streamproc-DDBEventProcessor\.log \(Ctrl-C to stop\)/);
    await put('after-start');
    await follow.waitForOutput(/\tINFO\tinfo-line after-start\n/, { stream: 'stdout', timeoutMs: 30_000 });
    follow.child.kill('SIGINT');
    const result = await follow.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('warn-line');
  });

  it('--engine reads the engine’s own log, without the function’s lines', async () => {
    const result = await runCli(['logs', '--engine', '--since', '1h'], { env: dirs.env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} {2}INFO {2}engine starting {2}\{"pid":\d+/m);
    expect(result.stdout).toContain('INFO  engine ready');
    expect(result.stdout).not.toContain('info-line');
  });
});
