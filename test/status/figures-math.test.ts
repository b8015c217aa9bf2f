/** The pure arithmetic behind status: percentiles, buckets, rates, sparklines, CloudWatch answers, index partitions. */
import { describe, expect, it } from 'vitest';
import { rejectedPartitions } from '../../src/stack/rejected-count.js';
import {
  metricQueries,
  readMetricResults,
  seriesPeriodSeconds,
  wholePeriodSeconds,
} from '../../src/status/aws-metrics.js';
import { bucketed, coveredFrom, percentile, perSecond } from '../../src/status/window-stats.js';
import { sparkline } from '../../src/ui/sparkline.js';

describe('window stats', () => {
  it('percentiles by nearest rank, null for nothing', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([30, 10, 20], 50)).toBe(20);
    expect(percentile([], 50)).toBeNull();
  });

  it('buckets samples over the window and leaves out those outside it', () => {
    const samples = [
      { at: 0, n: 1 },
      { at: 999, n: 2 },
      { at: 1_000, n: 4 },
      { at: 3_999, n: 8 },
      { at: 4_000, n: 16 },
      { at: -1, n: 100 },
      { at: 4_001, n: 100 },
    ];
    expect(bucketed(samples, (s) => s.n, { startMs: 0, endMs: 4_000, buckets: 4 })).toEqual([3, 4, 0, 24]);
  });

  it('a full bounded log covers the window only from its oldest sample; the latest such start wins', () => {
    const log = (...ats: number[]) => ats.map((at) => ({ at }));
    expect(coveredFrom([log(50, 60, 70), log(10)], 0, 3)).toBe(50);
    expect(coveredFrom([log(50, 60, 70), log(80, 90, 95)], 0, 3)).toBe(80);
    expect(coveredFrom([log(50, 60)], 0, 3)).toBe(0);
    expect(coveredFrom([log(50, 60, 70)], 100, 3)).toBe(100);
  });

  it('rates per second', () => {
    expect(perSecond(200, 900_000)).toBe(0.22);
    expect(perSecond(5, 0)).toBe(0);
  });

  it('sparklines scale to the largest value; zeros stay on the floor', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe('▁▂▃▅█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([])).toBe('');
  });
});

describe('CloudWatch metrics for status', () => {
  const window = { startMs: Date.UTC(2026, 11, 2, 14, 0), endMs: Date.UTC(2026, 11, 2, 14, 15), buckets: 24 };

  it('asks in periods CloudWatch accepts: 60 s series, one period for the percentiles', () => {
    expect(seriesPeriodSeconds(window)).toBe(60);
    expect(seriesPeriodSeconds({ ...window, endMs: window.startMs + 86_400_000 })).toBe(3_600);
    expect(wholePeriodSeconds(window)).toBe(900);
    const { flow, percentiles } = metricQueries({ streamName: 's', functionName: 'f' }, window);
    const queries = [...flow, ...percentiles];
    expect(queries.map((q) => `${q.Id}:${q.MetricStat?.Metric?.MetricName}:${q.MetricStat?.Stat}`)).toEqual([
      'recordsIn:IncomingRecords:Sum',
      'streamAge:GetRecords.IteratorAgeMilliseconds:Maximum',
      'invocations:Invocations:Sum',
      'errors:Errors:Sum',
      'throttles:Throttles:Sum',
      'lambdaAge:IteratorAge:Maximum',
      'p50:Duration:p50',
      'p99:Duration:p99',
    ]);
    expect(flow[0]?.MetricStat?.Period).toBe(60);
    expect(percentiles[0]?.MetricStat?.Period).toBe(900);
  });

  it('sums totals, takes the newest iterator age, and buckets the series', () => {
    const at = (minute: number) => new Date(window.startMs + minute * 60_000);
    const figures = readMetricResults(
      [
        { Id: 'recordsIn', Timestamps: [at(14), at(0)], Values: [100, 50] },
        { Id: 'invocations', Timestamps: [at(14)], Values: [3] },
        { Id: 'errors', Timestamps: [at(14), at(7)], Values: [1, 2] },
        { Id: 'p50', Timestamps: [at(0)], Values: [41.5] },
        { Id: 'lambdaAge', Timestamps: [at(5), at(14)], Values: [90_000, 1_200] },
        { Id: 'streamAge', Timestamps: [at(14)], Values: [999_999] },
      ],
      window,
    );
    expect(figures).toMatchObject({ recordsIn: 150, invocations: 3, errors: 3, throttles: 0, p50: 41.5, p99: null });
    expect(figures.lagMs).toBe(1_200);
    expect(figures.series.recordsIn).toHaveLength(15);
    expect(figures.series.recordsIn[0]).toBe(50);
    expect(figures.series.recordsIn[14]).toBe(100);
    expect(figures.series.lagMs.reduce((a, b) => Math.max(a, b), 0)).toBe(90_000);
  });

  it("falls back to the stream's iterator age without Lambda's, and 0 without either", () => {
    const at = new Date(window.endMs - 60_000);
    expect(readMetricResults([{ Id: 'streamAge', Timestamps: [at], Values: [5_000] }], window).lagMs).toBe(5_000);
    expect(readMetricResults([], window).lagMs).toBe(0);
  });
});

describe('rejected-record partitions', () => {
  it('covers every hour bucket of the window, newest first, four write shards each', () => {
    const now = Date.UTC(2026, 11, 2, 14, 10);
    const parts = rejectedPartitions(now - 15 * 60_000, now);
    expect(parts).toEqual([
      'rejected#2026-12-02T14#0',
      'rejected#2026-12-02T14#1',
      'rejected#2026-12-02T14#2',
      'rejected#2026-12-02T14#3',
      'rejected#2026-12-02T13#0',
      'rejected#2026-12-02T13#1',
      'rejected#2026-12-02T13#2',
      'rejected#2026-12-02T13#3',
    ]);
  });
});
