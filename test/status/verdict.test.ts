/** The verdict over every branch, with plain figures: not deployed, stopped, failing, lagging, healthy. */
import { describe, expect, it } from 'vitest';
import type { StatusFigures } from '../../src/status/figures.js';
import { formatDuration, formatWindow, LAGGING_LAG_MS, verdictOf } from '../../src/status/verdict.js';

/** A running, healthy local pipeline; each test changes what it is about. */
function figures(change: Partial<StatusFigures> = {}): StatusFigures {
  return {
    stack: 'streamproc',
    target: 'local',
    at: '2026-12-02T14:00:00.000Z',
    windowSeconds: 900,
    deployed: true,
    running: true,
    stream: {
      name: 's',
      shards: 1,
      retentionHours: 24,
      recordsInPerSecond: 0.22,
      recordsInSource: 'records read by the runner',
    },
    mapping: {
      state: 'running',
      batchSize: 100,
      batchingWindowSeconds: 0,
      maximumRetryAttempts: 5,
      lastProcessingResult: 'OK',
      maxLagMs: 0,
      recordsProcessed: 200,
      shards: [],
    },
    processor: { name: 'f', invocations: 2, errors: 0, throttles: 0, durationP50Ms: 40, durationP99Ms: 90 },
    table: { name: 't', items: 200, itemsApproximate: true, rejectedRecently: 0 },
    failureDestination: { kind: 'file', location: '/x/failures.jsonl', failedBatches: 0 },
    ...change,
  };
}

const withMapping = (change: Partial<NonNullable<StatusFigures['mapping']>>) =>
  figures({ mapping: { ...(figures().mapping as NonNullable<StatusFigures['mapping']>), ...change } });
const withProcessor = (change: Partial<NonNullable<StatusFigures['processor']>>) =>
  figures({ processor: { ...(figures().processor as NonNullable<StatusFigures['processor']>), ...change } });

describe('verdictOf', () => {
  it('not deployed: says so and suggests deploy, with --stack for a named stack', () => {
    expect(verdictOf(figures({ deployed: false, running: false }))).toEqual({
      state: 'not deployed',
      reason: 'stack streamproc is not deployed',
      next: 'streamproc deploy',
    });
    expect(verdictOf(figures({ stack: 'prod', deployed: false, running: false })).next).toBe(
      'streamproc deploy --stack prod',
    );
  });

  it('stopped: the engine is not running (local), or the stack is not usable (aws)', () => {
    expect(verdictOf(figures({ running: false, notRunningReason: 'engine not running' }))).toEqual({
      state: 'stopped',
      reason: 'engine not running',
      next: 'streamproc deploy',
    });
    expect(verdictOf(figures({ running: false })).reason).toBe('engine not running');
    expect(verdictOf(figures({ target: 'aws', running: false })).reason).toBe('stack not usable');
  });

  it('stopped wins over failed batches: start the engine first', () => {
    const failed = figures({
      running: false,
      notRunningReason: 'engine not running',
      failureDestination: { kind: 'file', location: 'f', failedBatches: 3 },
    });
    expect(verdictOf(failed).state).toBe('stopped');
  });

  it('stopped: a disabled event source mapping', () => {
    expect(verdictOf(withMapping({ state: 'Disabled' }))).toMatchObject({
      state: 'stopped',
      reason: 'the event source mapping is Disabled',
    });
  });

  it('failing: failed batches in the on-failure destination → redrive', () => {
    const v = verdictOf(figures({ failureDestination: { kind: 'sqs', location: 'q', failedBatches: 2 } }));
    expect(v).toEqual({
      state: 'failing',
      reason: '2 failed batches in the on-failure destination',
      next: 'streamproc redrive',
    });
    expect(verdictOf(figures({ failureDestination: { kind: 'sqs', location: 'q', failedBatches: 1 } })).reason).toBe(
      '1 failed batch in the on-failure destination',
    );
  });

  it('failing: function errors in the window → logs', () => {
    expect(verdictOf(withProcessor({ errors: 3 }))).toEqual({
      state: 'failing',
      reason: '3 function errors in the last 15m',
      next: 'streamproc logs',
    });
  });

  it('failing or lagging: the second consumer’s own errors and lag count, after the processor’s → logs --consumer', () => {
    const consumer = {
      mapping: 'ConsumerEventSourceMapping',
      function: 'streamproc-Consumer',
      state: 'running',
      batchSize: 100,
      lastProcessingResult: 'OK',
      maxLagMs: 0,
      recordsBehind: 0,
      recordsProcessed: 10,
      invocations: 1,
      errors: 0,
    };
    expect(verdictOf(figures({ consumers: [consumer] })).state).toBe('healthy');
    expect(verdictOf(figures({ consumers: [{ ...consumer, errors: 2 }] }))).toEqual({
      state: 'failing',
      reason: '2 function errors in consumer streamproc-Consumer in the last 15m',
      next: 'streamproc logs --consumer',
    });
    expect(verdictOf(figures({ consumers: [{ ...consumer, maxLagMs: LAGGING_LAG_MS + 5_000 }] }))).toEqual({
      state: 'lagging',
      reason: 'consumer streamproc-Consumer: iterator age 1m 05s (more than 1m 00s behind the stream)',
      next: 'streamproc logs --consumer',
    });
    // Figures AWS does not give for the consumer (its CloudWatch metrics are not read) are no trouble.
    const unread = { unknown: 'not read' };
    expect(verdictOf(figures({ consumers: [{ ...consumer, errors: unread, maxLagMs: unread }] })).state).toBe(
      'healthy',
    );
    // The processor's own errors come first.
    expect(verdictOf(figures({ ...withProcessor({ errors: 1 }), consumers: [{ ...consumer, errors: 2 }] })).next).toBe(
      'streamproc logs',
    );
  });

  it('says the span the counts cover when the engine kept less than the window', () => {
    const v = verdictOf(
      figures({
        coveredSeconds: 100,
        processor: { ...(figures().processor as NonNullable<StatusFigures['processor']>), errors: 1 },
      }),
    );
    expect(v.reason).toBe('1 function error in the last 1m 40s');
  });

  it('lagging: iterator age over the threshold, and not at it', () => {
    const v = verdictOf(withMapping({ maxLagMs: LAGGING_LAG_MS + 65_000 }));
    expect(v.state).toBe('lagging');
    expect(v.reason).toBe('iterator age 2m 05s (more than 1m 00s behind the stream)');
    expect(verdictOf(withMapping({ maxLagMs: LAGGING_LAG_MS })).state).toBe('healthy');
  });

  it('lagging: throttled invocations', () => {
    expect(verdictOf(withProcessor({ throttles: 4 }))).toMatchObject({
      state: 'lagging',
      reason: '4 throttled invocations in the last 15m',
    });
  });

  it('healthy: processed records and no errors → browse', () => {
    expect(verdictOf(figures())).toEqual({
      state: 'healthy',
      reason: '200 records processed, no errors in the last 15m',
      next: 'streamproc browse',
    });
  });

  it('healthy but idle: suggests ingest', () => {
    const idle = figures({
      stream: { ...(figures().stream as NonNullable<StatusFigures['stream']>), recordsInPerSecond: 0 },
      mapping: { ...(figures().mapping as NonNullable<StatusFigures['mapping']>), recordsProcessed: 0 },
    });
    expect(verdictOf(idle)).toEqual({
      state: 'healthy',
      reason: 'no records in the last 15m',
      next: 'streamproc ingest --synthetic --count 100',
    });
  });

  it('healthy with rejected records: suggests browse --rejected', () => {
    const v = verdictOf(figures({ table: { name: 't', items: 5, itemsApproximate: true, rejectedRecently: 7 } }));
    expect(v).toEqual({
      state: 'healthy',
      reason: 'no errors in the last 15m; 7 malformed records rejected and kept',
      next: 'streamproc browse --rejected',
    });
  });

  it('healthy, naming what it could not check (unknown figures never count as trouble)', () => {
    const denied = { unknown: 'AccessDenied on cloudwatch:GetMetricData' };
    const v = verdictOf(
      figures({
        target: 'aws',
        mapping: {
          ...(figures().mapping as NonNullable<StatusFigures['mapping']>),
          maxLagMs: denied,
          recordsProcessed: { unknown: 'no metric' },
        },
        processor: {
          name: 'f',
          invocations: denied,
          errors: denied,
          throttles: denied,
          durationP50Ms: denied,
          durationP99Ms: denied,
        },
        failureDestination: {
          kind: 'sqs',
          location: 'q',
          failedBatches: { unknown: 'AccessDenied on sqs:GetQueueAttributes' },
        },
      }),
    );
    expect(v.state).toBe('healthy');
    expect(v.reason).toBe('no errors in the last 15m (not known: failed batches, errors, lag)');
  });
});

describe('formatting', () => {
  it('windows and durations', () => {
    expect([formatWindow(900), formatWindow(7_200), formatWindow(86_400), formatWindow(90)]).toEqual([
      '15m',
      '2h',
      '1d',
      '90s',
    ]);
    expect([formatDuration(850), formatDuration(12_345), formatDuration(245_000), formatDuration(7_800_000)]).toEqual([
      '850 ms',
      '12.3 s',
      '4m 05s',
      '2h 10m',
    ]);
  });
});
