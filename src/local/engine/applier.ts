/**
 * Applies a pipeline inside the engine, one part per call as deploy sends them: the stream, the
 * table (and its TTL sweeper), the mapping (started, or hot-swapped when one runs). Each part is
 * saved as applied once it is, so that a restart restores what actually exists.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { countRejected, type RejectedCount } from '../../stack/rejected-count.js';
import { adoptLegacyCheckpoints } from '../mapping/checkpoints.js';
import { createMappingRunner, type FunctionLogSink, type MappingRunner } from '../mapping/runner.js';
import { functionConfig } from './function-config.js';
import { createItemCounter, type ItemCounter, type ItemCountStatus } from './item-count.js';
import type { EnginePaths } from './paths.js';
import { functionOf, primaryMapping } from './pipeline-shape.js';
import type {
  EngineStatus,
  LocalPipeline,
  MappingApplied,
  MappingSpec,
  StreamStatus,
  TableApplied,
} from './protocol.js';
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
  /** The processor's mapping's stats. */
  mappingStats(): ReturnType<MappingRunner['stats']> | undefined;
  /** The logical ids of the running mappings. */
  mappingIds(): string[];
  /** Every running mapping's stats, by logical id. */
  allMappingStats(): Record<string, ReturnType<MappingRunner['stats']>>;
  countItems(): Promise<number>;
  /** The table's approximate item count for `status` (cached; waits at most `waitMs`). */
  itemCount(waitMs: number): Promise<ItemCountStatus | undefined>;
  /** Records after each shard's checkpoint of a mapping (default the processor's), up to `cap` per shard, for `status`. */
  recordsBehind(cap: number, mappingId?: string): Promise<ShardBehind[]>;
  /** Rejected records stored since `sinceMs`, counted through the time index up to `cap`. */
  rejectedSince(sinceMs: number, cap: number): Promise<RejectedCount>;
  /** Stops the mapping (waiting `graceMs` for an in-flight batch), then the sweeper. */
  stop(graceMs: number): Promise<void>;
}

export function createApplier(options: ApplierOptions): Applier {
  const { kinesis, dynamodb, paths, log } = options;
  /** One runner per event source mapping, by logical id: independent checkpoints, settings and stats. */
  const runners = new Map<string, MappingRunner>();
  /** What each runner was last given, so that a deploy changing one mapping leaves the others' workers warm. */
  const given = new Map<string, string>();
  let sweeper: TtlSweeper | undefined;
  let applied: LocalPipeline | undefined;
  let stream: StreamStatus | undefined;
  let itemCounter: { table: string; counter: ItemCounter } | undefined;

  const allStats = () => Object.fromEntries([...runners].map(([id, runner]) => [id, runner.stats()]));

  const saveApplied = async (pipeline: LocalPipeline) => {
    applied = pipeline;
    await writeJsonAtomic(paths.pipeline, pipeline);
  };

  const mappingDir = (id: string) => join(paths.mapping, id);

  /** Starts one mapping's runner, or hot-swaps the one it has; the others are not touched. */
  const applyMapping = async (
    p: LocalPipeline,
    spec: MappingSpec,
    on: StreamStatus,
  ): Promise<'started' | 'updated' | 'unchanged'> => {
    const fnSpec = functionOf(p, spec);
    const fn = functionConfig(fnSpec, {
      region: options.region,
      dynamodbEndpoint: options.dynamodbEndpoint,
      extraEnv: options.functionEnv,
    });
    const mappingLog = (event: Record<string, unknown>) => log({ ...event, mapping: spec.logicalId });
    const existing = runners.get(spec.logicalId);
    const fingerprint = JSON.stringify({ settings: spec.settings, fn });
    let action: 'started' | 'updated' | 'unchanged';
    if (existing) {
      // Unchanged (another mapping is being added or changed): not touched, its workers stay warm.
      if (given.get(spec.logicalId) === fingerprint) return 'unchanged';
      await existing.update({ mapping: spec.settings, fn });
      action = 'updated';
    } else {
      const stateDir = mappingDir(spec.logicalId);
      const moved = await adoptLegacyCheckpoints({
        legacyFile: join(paths.mapping, 'checkpoints.json'),
        file: join(stateDir, 'checkpoints.json'),
        functionName: fn.functionName,
        streamArn: on.arn,
      });
      if (moved) mappingLog({ msg: 'checkpoints moved to the mapping’s own directory', dir: stateDir });
      const runner = createMappingRunner({
        kinesis,
        streamName: on.name,
        streamArn: on.arn,
        mapping: spec.settings,
        fn,
        stateDir,
        // Without a destination the runner still keeps what it gave up on, in the one file it always used.
        failureFile: spec.failureFile ?? paths.failures,
        log: mappingLog,
        functionLog: options.functionLog,
      });
      await runner.start();
      runners.set(spec.logicalId, runner);
      action = 'started';
    }
    given.set(spec.logicalId, fingerprint);
    mappingLog({ msg: `mapping ${action}`, bundleSha: fnSpec.bundleSha, settings: spec.settings });
    return action;
  };

  const primaryRunner = () => (applied ? runners.get(primaryMapping(applied).logicalId) : undefined);

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
      const actions: MappingApplied['mappings'] = {};
      // A mapping gone from the template stops, and its checkpoints go: as on AWS, adding it back
      // is a new mapping that starts at its StartingPosition.
      for (const [id, runner] of runners) {
        if (p.mappings.some((m) => m.logicalId === id)) continue;
        await runner.stop({ graceMs: 3_000 });
        runners.delete(id);
        given.delete(id);
        await rm(mappingDir(id), { recursive: true, force: true });
        actions[id] = 'stopped';
        log({ msg: 'mapping stopped', mapping: id });
      }
      for (const spec of p.mappings) actions[spec.logicalId] = await applyMapping(p, spec, stream);
      const first = p.mappings[0] ? actions[p.mappings[0].logicalId] : undefined;
      await saveApplied({ ...(applied ?? p), functions: p.functions, mappings: p.mappings });
      return { action: first === 'started' ? 'started' : 'updated', mappings: actions };
    },

    commit: saveApplied,
    applied: () => applied,

    status: () => {
      const primary = primaryRunner();
      return {
        ...(applied ? { pipeline: applied } : {}),
        mappingRunning: runners.size > 0,
        ...(primary ? { mapping: primary.stats() } : {}),
        ...(runners.size > 0 ? { mappings: allStats() } : {}),
        ...(sweeper ? { ttl: sweeper.stats() } : {}),
      };
    },

    mappingStats: () => primaryRunner()?.stats(),
    allMappingStats: () => allStats(),
    mappingIds: () => [...runners.keys()],
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

    async recordsBehind(cap, mappingId) {
      if (!applied || !stream) return [];
      const spec = mappingId ? applied.mappings.find((m) => m.logicalId === mappingId) : primaryMapping(applied);
      const runner = spec && runners.get(spec.logicalId);
      if (!spec || !runner) return [];
      const { shards } = runner.stats();
      return recordsBehind({
        kinesis,
        streamName: stream.name,
        shards,
        startingPosition: spec.settings.startingPosition,
        cap,
      });
    },

    async stop(graceMs) {
      await Promise.all(
        [...runners].map(([id, runner]) =>
          runner
            .stop({ graceMs })
            .catch((e: Error) => log({ level: 'error', msg: 'mapping stop failed', mapping: id, error: e.message })),
        ),
      );
      await sweeper?.stop();
    },
  };
}
