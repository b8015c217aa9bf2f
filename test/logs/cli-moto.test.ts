/**
 * `streamproc logs` on the aws target through the built CLI against `python3 -m moto.server`: the
 * function's log group is created and filled with the SDK, then `logs` reads it (batch summary
 * readable, --grep through the filter pattern, --level), `-f` prints an event put after it started
 * and exits 0 on SIGINT, and a stack whose log group does not exist gets a clear message.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt, runCli, startCli, tempDirs } from '../helpers/cli.js';
import { type MotoServer, motoEnv, motoUnavailable, startMoto } from '../helpers/moto-server.js';

requireBuilt('dist/src/commands/logs.js', 'dist/src/logs/aws-log-source.js');
const skip = motoUnavailable();
if (skip) console.warn(`skipping the aws logs CLI tests: ${skip}`);

const GROUP = '/aws/lambda/t1-DDBEventProcessor';
const STREAM = '2026/12/02/[$LATEST]0123456789abcdef';
const BATCH = JSON.stringify({
  level: 'info',
  msg: 'batch',
  records: 40,
  written: 38,
  rejected: 2,
  failed: 0,
  durationMs: 18,
  shardIds: ['shardId-000000000001'],
});

describe.skipIf(skip !== undefined)('streamproc logs on the aws target (built CLI, moto)', () => {
  let moto: MotoServer;
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  let env: NodeJS.ProcessEnv;
  let client: CloudWatchLogsClient;

  const putLines = async (...messages: string[]) => {
    const timestamp = Date.now();
    await client.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: STREAM,
        logEvents: messages.map((message, i) => ({ timestamp: timestamp + i, message })),
      }),
    );
  };

  beforeAll(async () => {
    moto = await startMoto();
    dirs = await tempDirs('streamproc-logs-moto-');
    env = dirs.env(motoEnv(moto.endpoint));
    client = new CloudWatchLogsClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await client.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM }));
    for (const stack of ['t1', 't2']) {
      const init = await runCli(['init', '--yes', '--stack', stack, '--target', 'aws', '--region', 'us-east-1'], {
        env,
      });
      expect(init.code, init.stderr).toBe(0);
    }
    await putLines(
      'START RequestId: 11111111-2222-3333-4444-555555555555 Version: $LATEST',
      `2026-12-02T14:00:00.000Z\t11111111-2222-3333-4444-555555555555\tINFO\t${BATCH}`,
      '2026-12-02T14:00:00.001Z\t11111111-2222-3333-4444-555555555555\tWARN\tslow table',
      'END RequestId: 11111111-2222-3333-4444-555555555555',
    );
  }, 90_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
    await dirs?.cleanup();
  });

  it('reads the log group: the batch summary as one line, other lines as they are', async () => {
    const result = await runCli(['logs', '--stack', 't1'], { env });
    expect(result.code, result.stderr).toBe(0);
    const body = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(/^\d{2}:\d{2}:\d{2}\.\d{3} {2}/, ''));
    expect(body).toEqual([
      'START RequestId: 11111111-2222-3333-4444-555555555555 Version: $LATEST',
      'batch shardId-000000000001: 40 records, 38 written, 2 rejected, 0 failed, 18 ms',
      '2026-12-02T14:00:00.001Z\t11111111-2222-3333-4444-555555555555\tWARN\tslow table',
      'END RequestId: 11111111-2222-3333-4444-555555555555',
    ]);
  });

  it('--grep goes through the filter pattern; --level and --json work on what comes back', async () => {
    const grep = await runCli(['logs', '--stack', 't1', '--grep', 'slow table', '--json'], { env });
    expect(grep.code, grep.stderr).toBe(0);
    const events = grep.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).toEqual([
      {
        timestamp: expect.stringMatching(/Z$/),
        stream: STREAM,
        message: '2026-12-02T14:00:00.001Z\t11111111-2222-3333-4444-555555555555\tWARN\tslow table',
        eventId: expect.any(String),
      },
    ]);
    const warn = await runCli(['logs', '--stack', 't1', '--level', 'warn'], { env });
    expect(warn.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/\tWARN\tslow table$/)]);
  });

  it('-f prints an event put after it started and exits 0 on SIGINT', async () => {
    const follow = startCli(['logs', '--stack', 't1', '-f', '--grep', 'followed'], { env });
    await follow.waitForOutput(/Following \/aws\/lambda\/t1-DDBEventProcessor \(us-east-1\)/);
    await putLines('2026-12-02T14:00:01.000Z\t11111111-2222-3333-4444-555555555555\tINFO\tfollowed line');
    await follow.waitForOutput(/\tINFO\tfollowed line\n/, { stream: 'stdout', timeoutMs: 30_000 });
    follow.child.kill('SIGINT');
    const result = await follow.exited;
    expect(result.code).toBe(0);
    expect(result.stdout.match(/followed line/g)).toHaveLength(1);
  });

  it('says when the log group does not exist (never deployed or never invoked)', async () => {
    const result = await runCli(['logs', '--stack', 't2'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Error: Log group /aws/lambda/t2-DDBEventProcessor does not exist in us-east-1: stack t2 is not deployed there',
    );
    expect(result.stderr).toContain('Hint: Run `streamproc deploy --stack t2` (it creates the log group)');
  });
});
