/** The rows a local deploy reports: what exists now, in the words a user looks for. */
import { TTL_SWEEP_INTERVAL_MS } from '../engine/constants.js';
import type { EnginePaths } from '../engine/paths.js';
import { functionOf, primaryFunction, primaryMapping } from '../engine/pipeline-shape.js';
import type { LocalPipeline, MappingSpec, StreamStatus, TableStatus } from '../engine/protocol.js';
import type { EngineState } from '../engine/state.js';

export interface DeploySummaryInput {
  pipeline: LocalPipeline;
  state: EngineState;
  paths: EnginePaths;
  /** Fresh facts from this deploy's apply steps, when they ran. */
  stream?: StreamStatus;
  table?: TableStatus;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function kilobytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown size';
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

export function describeMapping(pipeline: LocalPipeline, mapping: MappingSpec = primaryMapping(pipeline)): string {
  const s = mapping.settings;
  return [
    `batch ${s.batchSize}`,
    `window ${s.maximumBatchingWindowInSeconds} s`,
    s.startingPosition === 'AT_TIMESTAMP' && s.startingPositionTimestamp !== undefined
      ? `AT_TIMESTAMP ${new Date(s.startingPositionTimestamp * 1000).toISOString()}`
      : s.startingPosition,
    `retries ${s.maximumRetryAttempts === -1 ? 'unlimited' : s.maximumRetryAttempts}`,
    `max age ${s.maximumRecordAgeInSeconds === -1 ? 'none' : `${s.maximumRecordAgeInSeconds} s`}`,
    `bisect ${s.bisectBatchOnFunctionError ? 'on' : 'off'}`,
    ...s.functionResponseTypes,
    ...(s.filterPatterns && s.filterPatterns.length > 0 ? [plural(s.filterPatterns.length, 'filter')] : []),
    ...(s.enabled === false ? ['DISABLED'] : []),
    ...((s.parallelizationFactor ?? 1) > 1 ? [`${s.parallelizationFactor} concurrent batches per shard`] : []),
    ...((s.tumblingWindowInSeconds ?? 0) > 0 ? [`tumbling window ${s.tumblingWindowInSeconds} s`] : []),
  ].join(', ');
}

export function deployResources(input: DeploySummaryInput): { name: string; value: string }[] {
  const { pipeline, state, paths } = input;
  const shards = input.stream?.shards ?? pipeline.stream.shardCount;
  const indexes = input.table?.indexes ?? pipeline.table.globalSecondaryIndexes.map((g) => g.IndexName);
  const ttl = pipeline.table.ttlAttribute
    ? `TTL on ${pipeline.table.ttlAttribute}: enforced by the engine's sweeper every ${TTL_SWEEP_INTERVAL_MS / 1000} s`
    : 'no TTL';
  const fn = primaryFunction(pipeline);
  const mapping = primaryMapping(pipeline);
  // Every further consumer (a second function on the stream) gets its own two rows.
  const consumers = pipeline.mappings
    .filter((m) => m.logicalId !== mapping.logicalId)
    .flatMap((m) => {
      const f = functionOf(pipeline, m);
      return [
        {
          name: `Consumer ${m.logicalId}`,
          value: `${f.name} (bundle ${kilobytes(f.bundleBytes)}, sha ${f.bundleSha?.slice(0, 12) ?? '?'}, timeout ${f.timeoutSeconds} s, memory ${f.memoryMb} MB)`,
        },
        { name: `Mapping ${m.logicalId}`, value: describeMapping(pipeline, m) },
      ];
    });
  return [
    {
      name: 'Stream',
      value: `${pipeline.stream.name} (${plural(shards, 'shard')}, retention ${pipeline.stream.retentionHours} h)`,
    },
    {
      name: 'Table',
      value: `${pipeline.table.name} (${indexes.length > 0 ? `index ${indexes.join(', ')}` : 'no indexes'}; ${ttl})`,
    },
    {
      name: 'Function',
      value: `${fn.name} (bundle ${kilobytes(fn.bundleBytes)}, sha ${fn.bundleSha?.slice(0, 12) ?? '?'}, timeout ${fn.timeoutSeconds} s, memory ${fn.memoryMb} MB)`,
    },
    { name: 'Mapping', value: describeMapping(pipeline) },
    ...(mapping.failureFile ? [{ name: 'On failure', value: mapping.failureFile }] : []),
    ...consumers,
    { name: 'Kinesis endpoint', value: state.endpoints.kinesis },
    { name: 'DynamoDB endpoint', value: state.endpoints.dynamodb },
    { name: 'Region', value: state.region },
    { name: 'Engine', value: `pid ${state.pid}, since ${state.startedAt}` },
    { name: 'Data directory', value: paths.root },
    { name: 'Log file', value: paths.log },
  ];
}
