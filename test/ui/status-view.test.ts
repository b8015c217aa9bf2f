/** The status view: verdict first, unknown figures with their reason, sparklines in watch mode, and in-place redraw. */
import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/status/status.js';
import { Frame } from '../../src/ui/frame.js';
import { renderStatus } from '../../src/ui/status-view.js';
import { painter } from '../../src/ui/style.js';

const denied = { unknown: 'AccessDenied on cloudwatch:GetMetricData' };
const report: StatusReport = {
  stack: 'prod',
  target: 'aws',
  at: '2026-12-02T14:00:00.000Z',
  windowSeconds: 900,
  deployed: true,
  running: true,
  stream: {
    name: 'prod-EventStream',
    shards: 2,
    retentionHours: 24,
    recordsInPerSecond: denied,
    recordsInSource: 'IncomingRecords',
  },
  mapping: {
    state: 'Enabled',
    batchSize: 100,
    batchingWindowSeconds: 0,
    maximumRetryAttempts: -1,
    lastProcessingResult: 'OK',
    maxLagMs: denied,
    recordsProcessed: { unknown: 'Lambda publishes no records-processed metric' },
    shards: [],
  },
  processor: {
    name: 'prod-DDBEventProcessor',
    invocations: denied,
    errors: denied,
    throttles: denied,
    durationP50Ms: denied,
    durationP99Ms: denied,
  },
  table: { name: 'prod-EventData', items: 1234, itemsApproximate: true, rejectedRecently: 0 },
  failureDestination: { kind: 'sqs', location: 'https://sqs/q', failedBatches: 2 },
  series: { recordsIn: [0, 1, 4, 8], recordsProcessed: [], errors: [0, 0, 0, 0], lagMs: [] },
  verdict: {
    state: 'failing',
    reason: '2 failed batches in the on-failure destination',
    next: 'streamproc redrive --stack prod',
  },
};

describe('renderStatus', () => {
  it('puts the verdict and the next command first, and says why a figure is unknown', () => {
    const text = renderStatus(report, { paint: painter(false) });
    const lines = text.split('\n');
    expect(lines[0]).toBe('prod (aws): failing — 2 failed batches in the on-failure destination');
    expect(lines[1]).toBe('next: streamproc redrive --stack prod');
    expect(text).toMatch(
      /^stream {5}prod-EventStream · 2 shards · retention 24 h · unknown \(AccessDenied on cloudwatch:GetMetricData\) \(IncomingRecords, last 15m\)$/m,
    );
    expect(text).toMatch(
      /^processor {2}prod-DDBEventProcessor · metrics unknown \(AccessDenied on cloudwatch:GetMetricData\)$/m,
    );
    expect(text).toMatch(/^table {6}prod-EventData · ~1,234 items · 0 rejected in the last 15m$/m);
    expect(text).toMatch(/^on-failure 2 failed batches · https:\/\/sqs\/q$/m);
    expect(text).toContain('retries unlimited');
    expect(text).not.toContain('records in ');
  });

  it('adds sparklines in watch mode, the lag from the watch itself where the target has no series', () => {
    const text = renderStatus(report, { paint: painter(false), watch: true, lagHistory: [0, 500, 1000] });
    expect(text).toMatch(/^records in ▁▂▅█$/m);
    expect(text).toMatch(/^processed {2}unknown on this target$/m);
    expect(text).toMatch(/^lag {8}▁▅█ \(per refresh\)$/m);
    expect(text).toMatch(/^errors {5}▁▁▁▁$/m);
  });

  it('stops after the verdict when nothing is deployed', () => {
    const text = renderStatus(
      {
        ...report,
        deployed: false,
        verdict: {
          state: 'not deployed',
          reason: 'stack prod is not deployed',
          next: 'streamproc deploy --stack prod',
        },
      },
      { paint: painter(false) },
    );
    expect(text).toBe('prod (aws): not deployed — stack prod is not deployed\nnext: streamproc deploy --stack prod');
  });
});

describe('Frame', () => {
  it('moves up over the previous frame and clears it before drawing the next; cuts lines to the width', () => {
    const writes: string[] = [];
    const stream = { columns: 10, write: (chunk: string) => writes.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
    const frame = new Frame(stream);
    frame.draw('one\ntwo');
    frame.draw('three\nfour\na line longer than ten');
    expect(writes[0]).toBe('\u001B[0Jone\ntwo\n');
    expect(writes[1]).toBe('\u001B[2F\u001B[0Jthree\nfour\na line lo\u001B[0m\n');
  });
});
