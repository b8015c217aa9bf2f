/**
 * `logs` on the aws target with a mocked CloudWatch Logs client: pages in order, a follow that
 * polls from the newest timestamp seen and never repeats an event, --grep as a filter pattern, and
 * the failures a user can fix (no log group, AccessDenied) as one line, also through the CLI.
 */
import { CloudWatchLogsClient, type FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedStack } from '../../src/config/store.js';
import { UserError } from '../../src/errors.js';
import { cloudWatchEvents } from '../../src/logs/cloudwatch-events.js';
import { openStackLogs } from '../../src/logs/logs.js';
import { tempDirs } from '../helpers/cli.js';
import { runCommand } from '../helpers/run-command.js';

const logs = mockClient(CloudWatchLogsClient);
const GROUP = '/aws/lambda/t1-DDBEventProcessor';

const stack: ResolvedStack = {
  name: 't1',
  configured: true,
  file: '/nowhere/config.json',
  settings: {
    target: 'aws',
    region: 'eu-west-1',
    keywords: ['aws'],
    retentionDays: 30,
    outputs: { FunctionName: 't1-DDBEventProcessor' },
    twitter: { bearerToken: 'AAAA-mocked-secret-token-123456' },
  },
};

const event = (id: string, timestamp: number, message = `line ${id}`): FilteredLogEvent => ({
  eventId: id,
  timestamp,
  message: `${message}\n`,
  logStreamName: '2026/12/02/[$LATEST]abc',
});

const inputs = () => logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);

async function collect<T>(generator: AsyncGenerator<T>, count = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  while (out.length < count) {
    const next = await generator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error;
}

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

beforeEach(() => {
  logs.reset();
});

describe('cloudWatchEvents', () => {
  it('reads every page from --since, oldest first within a page', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('b', 2000), event('a', 1000)], nextToken: 'page-2' })
      .resolvesOnce({ events: [], nextToken: 'page-3' })
      .resolvesOnce({ events: [event('c', 3000)] });
    // Act
    const read = await collect(
      cloudWatchEvents({
        client: new CloudWatchLogsClient({ region: 'eu-west-1' }),
        logGroupName: GROUP,
        sinceMs: 500,
        signal: new AbortController().signal,
      }),
    );
    // Assess
    expect(read.map((e) => [e.eventId, e.message])).toEqual([
      ['a', 'line a'],
      ['b', 'line b'],
      ['c', 'line c'],
    ]);
    expect(inputs()).toEqual([
      { logGroupName: GROUP, startTime: 500 },
      { logGroupName: GROUP, startTime: 500, nextToken: 'page-2' },
      { logGroupName: GROUP, startTime: 500, nextToken: 'page-3' },
    ]);
  });

  it('follows from the newest timestamp seen minus the look-back, never repeating an event', async () => {
    // Prepare: the second poll sees the first two again, plus one that arrived late with an older time
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('a', 100_000), event('b', 120_000)] })
      .resolvesOnce({ events: [event('a', 100_000), event('b', 120_000), event('late', 115_000)] })
      .resolves({ events: [event('b', 120_000), event('c', 130_000)] });
    const stop = new AbortController();
    const follow = cloudWatchEvents({
      client: new CloudWatchLogsClient({ region: 'eu-west-1' }),
      logGroupName: GROUP,
      sinceMs: 50_000,
      follow: true,
      signal: stop.signal,
      pollMs: 1,
      lookbackMs: 10_000,
    });
    // Act
    const read = await collect(follow, 4);
    stop.abort();
    const after = await collect(follow);
    // Assess
    expect(read.map((e) => e.eventId)).toEqual(['a', 'b', 'late', 'c']);
    expect(after).toEqual([]);
    expect(inputs().map((input) => input.startTime)).toEqual([50_000, 110_000, 110_000]);
  });

  it('following, waits out throttling and goes on; without following, throttling is an error', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('a', 1000)] })
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ events: [event('a', 1000), event('b', 2000)] });
    const stop = new AbortController();
    const client = new CloudWatchLogsClient({ region: 'eu-west-1' });
    const options = { client, logGroupName: GROUP, sinceMs: 0, signal: stop.signal, pollMs: 1 };
    const read = await collect(cloudWatchEvents({ ...options, follow: true }), 2);
    stop.abort();
    expect(read.map((e) => e.eventId)).toEqual(['a', 'b']);

    logs.reset();
    logs.on(FilterLogEventsCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const once = cloudWatchEvents({ ...options, signal: new AbortController().signal });
    await expect(collect(once)).rejects.toThrow('Rate exceeded');
  });

  it('ends quietly when aborted during a call', async () => {
    const stop = new AbortController();
    logs.on(FilterLogEventsCommand).callsFake(() => {
      stop.abort();
      throw awsError('AbortError', 'Request aborted');
    });
    const read = await collect(
      cloudWatchEvents({
        client: new CloudWatchLogsClient({ region: 'eu-west-1' }),
        logGroupName: GROUP,
        sinceMs: 0,
        follow: true,
        signal: stop.signal,
      }),
    );
    expect(read).toEqual([]);
  });
});

describe('openStackLogs on aws', () => {
  it('reads the function’s log group, --grep as the filter pattern, secrets redacted, levels applied', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        event('1', 1000, '2026-12-02T14:00:00.000Z\tr-1\tWARN\tmatch token AAAA-mocked-secret-token-123456'),
        event('2', 1001, '2026-12-02T14:00:00.001Z\tr-1\tINFO\tmatch but info'),
      ],
    });
    const opened = await openStackLogs({
      stack,
      sinceMs: 900,
      grep: 'match',
      minLevel: 'warn',
      signal: new AbortController().signal,
    });
    const entries = await collect(opened.entries);
    expect(opened).toMatchObject({ target: 'aws', source: `${GROUP} (eu-west-1)` });
    expect(entries.map((entry) => entry.message)).toEqual([
      '2026-12-02T14:00:00.000Z\tr-1\tWARN\tmatch token [redacted]',
    ]);
    expect(entries[0]?.level).toBe('warn');
    expect(inputs()).toEqual([{ logGroupName: GROUP, startTime: 900, filterPattern: '"match"' }]);
  });

  it('--consumer reads the second consumer’s log group, and says when the stack has none', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [event('1', 1000, 'consumer line')] });
    const withConsumer: ResolvedStack = {
      ...stack,
      settings: {
        ...stack.settings,
        outputs: { FunctionName: 't1-DDBEventProcessor', ConsumerFunctionName: 't1-Consumer' },
      },
    };
    const opened = await openStackLogs({
      stack: withConsumer,
      consumer: true,
      sinceMs: 900,
      signal: new AbortController().signal,
    });
    expect((await collect(opened.entries)).map((entry) => entry.message)).toEqual(['consumer line']);
    expect(inputs()).toEqual([{ logGroupName: '/aws/lambda/t1-Consumer', startTime: 900 }]);

    const error = await rejection(
      openStackLogs({ stack, consumer: true, sinceMs: 0, signal: new AbortController().signal }),
    );
    expect(error.code).toBe('NO_CONSUMER');
    expect(error.message).toBe('Stack t1 has no second consumer');
    expect(error.hint).toContain('streamproc deploy --stack t1 --consumer');
  });

  it('says the log group does not exist yet, and what to run', async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(awsError('ResourceNotFoundException', 'The specified log group does not exist.'));
    const opened = await openStackLogs({ stack, sinceMs: 0, signal: new AbortController().signal });
    const error = await rejection(collect(opened.entries));
    expect(error.code).toBe('LOG_GROUP_NOT_FOUND');
    expect(error.message).toBe(`Log group ${GROUP} does not exist in eu-west-1: stack t1 is not deployed there`);
    expect(error.hint).toContain('streamproc deploy --stack t1');
  });

  it('names logs:FilterLogEvents when AWS denies it', async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: arn:aws:iam::1:user/x is not authorized to perform: logs:FilterLogEvents',
        ),
      );
    const opened = await openStackLogs({ stack, sinceMs: 0, signal: new AbortController().signal });
    const error = await rejection(collect(opened.entries));
    expect(error.code).toBe('AWS_ACCESS_DENIED');
    expect(error.message).toBe(`AWS denied logs:FilterLogEvents on log group ${GROUP}`);
  });
});

describe('streamproc logs on aws (in-process CLI, mocked)', () => {
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

  beforeAll(async () => {
    dirs = await tempDirs('streamproc-logs-mocked-');
    const init = await runCommand(['init', '--yes', '--stack', 't1', '--target', 'aws', '--region', 'eu-west-1'], {
      dirs,
    });
    expect(init.code).toBe(0);
  });

  afterAll(async () => {
    await dirs?.cleanup();
  });

  it('AccessDenied is one line naming the action, exit 1', async () => {
    logs.on(FilterLogEventsCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    const result = await runCommand(['logs', '--stack', 't1'], { dirs, env });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(`Error: AWS denied logs:FilterLogEvents on log group ${GROUP}`);
    expect(result.stderr).toContain('Hint: Allow logs:FilterLogEvents');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing log group is a clear message, also as JSON', async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(awsError('ResourceNotFoundException', 'The specified log group does not exist.'));
    const result = await runCommand(['logs', '--stack', 't1', '--json'], { dirs, env });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      error: expect.objectContaining({
        code: 'LOG_GROUP_NOT_FOUND',
        message: `Log group ${GROUP} does not exist in eu-west-1: stack t1 is not deployed there`,
      }),
    });
  });

  it('prints a batch summary from the log group as one line', async () => {
    const batch = JSON.stringify({
      level: 'info',
      msg: 'batch',
      records: 25,
      written: 24,
      rejected: 1,
      failed: 0,
      durationMs: 31,
      shardIds: ['shardId-000000000003'],
    });
    logs
      .on(FilterLogEventsCommand)
      .resolves({ events: [event('1', Date.now() - 1000, `2026-12-02T14:00:00.000Z\tr-1\tINFO\t${batch}`)] });
    const result = await runCommand(['logs', '--stack', 't1'], { dirs, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} {2}batch shardId-000000000003: 25 records, 24 written, 1 rejected, 0 failed, 31 ms\n$/,
    );
  });
});
