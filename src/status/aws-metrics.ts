/** The CloudWatch GetMetricData queries `status` asks on AWS, and what their answers mean (pure). */
import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';

export interface MetricWindow {
  startMs: number;
  endMs: number;
  /** Sparkline buckets over the window. */
  buckets: number;
}

/** A period CloudWatch accepts (a multiple of 60 s) that gives at most `buckets` points over the window. */
export function seriesPeriodSeconds(window: MetricWindow): number {
  const seconds = (window.endMs - window.startMs) / 1_000;
  return Math.max(60, Math.ceil(seconds / window.buckets / 60) * 60);
}

/** One period covering the whole window, for the duration percentiles. */
export function wholePeriodSeconds(window: MetricWindow): number {
  return Math.max(60, Math.ceil((window.endMs - window.startMs) / 60_000) * 60);
}

/** The ids of the queries, as they come back. */
export type MetricId = 'recordsIn' | 'streamAge' | 'invocations' | 'errors' | 'throttles' | 'p50' | 'p99' | 'lambdaAge';

/**
 * Two requests: the flow (sums and maxima per period), then the duration percentiles over the whole
 * window, asked apart so that an endpoint that cannot compute percentiles (moto) costs only those two.
 */
export function metricQueries(
  names: { streamName: string; functionName: string },
  window: MetricWindow,
): { flow: MetricDataQuery[]; percentiles: MetricDataQuery[] } {
  const series = seriesPeriodSeconds(window);
  const whole = wholePeriodSeconds(window);
  const kinesis = (id: MetricId, metric: string, stat: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: metric,
        Dimensions: [{ Name: 'StreamName', Value: names.streamName }],
      },
      Period: series,
      Stat: stat,
    },
  });
  const lambda = (id: MetricId, metric: string, stat: string, period = series): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: names.functionName }],
      },
      Period: period,
      Stat: stat,
    },
  });
  return {
    flow: [
      kinesis('recordsIn', 'IncomingRecords', 'Sum'),
      kinesis('streamAge', 'GetRecords.IteratorAgeMilliseconds', 'Maximum'),
      lambda('invocations', 'Invocations', 'Sum'),
      lambda('errors', 'Errors', 'Sum'),
      lambda('throttles', 'Throttles', 'Sum'),
      lambda('lambdaAge', 'IteratorAge', 'Maximum'),
    ],
    percentiles: [lambda('p50', 'Duration', 'p50', whole), lambda('p99', 'Duration', 'p99', whole)],
  };
}

/** What the answers say: totals, the newest lag, percentiles, and bucketed series for sparklines. */
export interface MetricFigures {
  recordsIn: number;
  invocations: number;
  errors: number;
  throttles: number;
  p50: number | null;
  p99: number | null;
  /** The newest IteratorAge (Lambda's, else the stream's); 0 when nothing was read in the window. */
  lagMs: number;
  series: { recordsIn: number[]; errors: number[]; lagMs: number[] };
}

export function readMetricResults(results: readonly MetricDataResult[], window: MetricWindow): MetricFigures {
  const byId = new Map(results.map((r) => [r.Id, r]));
  const points = (id: MetricId) => {
    const r = byId.get(id);
    const times = r?.Timestamps ?? [];
    return (r?.Values ?? []).map((value, i) => ({ at: times[i] ? new Date(times[i] as Date).getTime() : 0, value }));
  };
  const sum = (id: MetricId) => points(id).reduce((total, p) => total + p.value, 0);
  const newest = (id: MetricId) => points(id).sort((a, b) => b.at - a.at)[0]?.value;
  // One bar per CloudWatch period, so that bars and datapoints line up.
  const width = seriesPeriodSeconds(window) * 1_000;
  const count = Math.ceil((window.endMs - window.startMs) / width);
  const buckets = (id: MetricId, combine: 'sum' | 'max') => {
    const out = new Array<number>(count).fill(0);
    for (const p of points(id)) {
      const index = Math.min(count - 1, Math.max(0, Math.floor((p.at - window.startMs) / width)));
      out[index] = combine === 'sum' ? (out[index] as number) + p.value : Math.max(out[index] as number, p.value);
    }
    return out;
  };
  const lambdaAge = points('lambdaAge').length > 0;
  return {
    recordsIn: sum('recordsIn'),
    invocations: sum('invocations'),
    errors: sum('errors'),
    throttles: sum('throttles'),
    p50: newest('p50') ?? null,
    p99: newest('p99') ?? null,
    lagMs: (lambdaAge ? newest('lambdaAge') : newest('streamAge')) ?? 0,
    series: {
      recordsIn: buckets('recordsIn', 'sum'),
      errors: buckets('errors', 'sum'),
      lagMs: buckets(lambdaAge ? 'lambdaAge' : 'streamAge', 'max'),
    },
  };
}
