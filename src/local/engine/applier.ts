/**
 * Applies a pipeline inside the engine, one part per call as deploy sends them: the stream, the
 * table (and its TTL sweeper), the mapping (started, or hot-swapped when one runs). Each part is
 * saved as applied once it is, so that a restart restores what actually exists.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { countRejected, type RejectedCount } from '../../stack/rejected-count.js';
import { createMappingRunner, type FunctionLogSink, type MappingRunner } from '../mapping/runner.js';
import { functionConfig } from './function-config.js';
import { createItemCounter, type ItemCounter, type ItemCountStatus } from './item-count.js';
import type { EnginePaths } from './paths.js';
import type { EngineStatus, LocalPipeline, MappingApplied, StreamStatus, TableApplied } from './protocol.js';
import { applyStream, applyTable, countItems } from './provisioner.js';
import { recordsBehind, type ShardBehind } from './records-behind.js';
import { writeJsonAtomic } from './state.js';
import { startTtlSweeper, type TtlSweeper } from './ttl-sweeper.js';

export interface ApplierOptions {
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  paths: EnginePaths;
  region: string;
  dynamodbEndpoint: string;
  /** Extra function environment, applied last. */
  functionEnv: Record<string, string>;
  log: (event: Record<string, unknown>) => void;
  functionLog?: FunctionLogSink;
}

export interface Applier {
  stream(pipeline: LocalPipeline): Promise<StreamStatus>;
  table(pipeline: LocalPipeline): Promise<TableApplied>;
  mapping(pipeline: LocalPipeline): Promise<MappingApplied>;
  /** Saves the whole pipeline as applied (deploy sends it once every part is). */
  commit(pipeline: LocalPipeline): Promise<void>;
  applied(): LocalPipeline | undefined;
  /** The pipeline and mapping part of GET /status. */
  status(): Omit<EngineStatus, 'state'>;
  mappingStats(): ReturnType<MappingRunner['stats']> | undefined;
  countItems(): Promise<number>;
  /** The table's approximate item count for `status` (cached; waits at most `waitMs`). */
  itemCount(waitMs: number): Promise<ItemCountStatus | undefined>;
  /** Records after each shard's checkpoint, up to `cap` per shard, for `status`. */
  recordsBehind(cap: number): Promise<ShardBehind[]>;
  /** Rejected records stored since `sinceMs`, counted through the time index up to `cap`. */
  rejectedSince(sinceMs: number, cap: number): Promise<RejectedCount>;
  /** Stops the mapping (waiting `graceMs` for an in-flight batch), then the sweeper. */
  stop(graceMs: number): Promise<void>;
}

export function createApplier(options: ApplierOptions): Applier {
  const { kinesis, dynamodb, paths, log } = options;
  let runner: MappingRunner | undefined;
  let sweeper: TtlSweeper | undefined;
  let applied: LocalPipeline | undefined;
  let stream: StreamStatus | undefined;
  let itemCounter: { table: string; counter: ItemCounter } | undefined;

  const saveApplied = async (pipeline: LocalPipeline) => {
    applied = pipeline;
    await writeJsonAtomic(paths.pipeline, pipeline);
  };

  return {
    async stream(p) {
      stream = await applyStream(kinesis, p.stream);
      if (stream.created) log({ msg: 'stream created', stream: stream.name, shards: stream.shards });
      await saveApplied({ ...(applied ?? p), stream: p.stream });
      return stream;
    },

    async table(p) {
      const status = await applyTable(dynamodb, p.table);
      if (status.created) log({ msg: 'table created', table: status.name, indexes: status.indexes });
      // A changed TTL attribute or table name needs a new sweeper; none when TTL is gone.
      await sweeper?.stop();
      sweeper = undefined;
      if (p.table.ttlAttribute) {
        sweeper = startTtlSweeper({
          dynamodb,
          tableName: p.table.name,
          attribute: p.table.ttlAttribute,
          keyAttributes: p.table.keySchema.map((key) => key.AttributeName),
          log,
        });
      }
      await saveApplied({ ...(applied ?? p), table: p.table });
      return { ...status, ttlSweeper: Boolean(sweeper) };
    },

    async mapping(p) {
      stream ??= await applyStream(kinesis, p.stream);
      const fn = functionConfig(p.function, {
        region: options.region,
        dynamodbEndpoint: options.dynamodbEndpoint,
        extraEnv: options.functionEnv,
      });
      let action: MappingApplied['action'];
      if (runner) {
        await runner.update({ mapping: p.mapping.settings, fn });
        action = 'updated';
      } else {
        runner = createMappingRunner({
          kinesis,
          streamName: stream.name,
          streamArn: stream.arn,
          mapping: p.mapping.settings,
          fn,
          stateDir: paths.mapping,
          ...(p.mapping.failureFile ? { failureFile: p.mapping.failureFile } : {}),
          log,
          functionLog: options.functionLog,
        });
        await runner.start();
        action = 'started';
      }
      log({ msg: `mapping ${action}`, bundleSha: p.function.bundleSha, settings: p.mapping.settings });
      await saveApplied({ ...(applied ?? p), function: p.function, mapping: p.mapping });
      return { action };
    },

    commit: saveApplied,
    applied: () => applied,

    status: () => ({
      ...(applied ? { pipeline: applied } : {}),
      mappingRunning: Boolean(runner),
      ...(runner ? { mapping: runner.stats() } : {}),
      ...(sweeper ? { ttl: sweeper.stats() } : {}),
    }),

    mappingStats: () => runner?.stats(),
    countItems: async () => (applied ? countItems(dynamodb, applied.table.name) : 0),

    async itemCount(waitMs) {
      if (!applied) return undefined;
      const table = applied.table.name;
      if (itemCounter?.table !== table)
        itemCounter = { table, counter: createItemCounter({ count: () => countItems(dynamodb, table) }) };
      return itemCounter.counter.status(waitMs);
    },

    async rejectedSince(sinceMs, cap) {
      if (!applied) return { count: 0, capped: false };
      return countRejected({ client: dynamodb, tableName: applied.table.name, sinceMs, cap });
    },

    async recordsBehind(cap) {
      if (!runner || !applied || !stream) return [];
      const { shards } = runner.stats();
      return recordsBehind({
        kinesis,
        streamName: stream.name,
        shards,
        startingPosition: applied.mapping.settings.startingPosition,
        cap,
      });
    },

    async stop(graceMs) {
      await runner
        ?.stop({ graceMs })
        .catch((e: Error) => log({ level: 'error', msg: 'mapping stop failed', error: e.message }));
      await sweeper?.stop();
    },
  };
}
