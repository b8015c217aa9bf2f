/**
 * The contract between the CLI and the engine daemon: what a pipeline is, what each control route
 * takes and returns, and the shape of a refusal. Types only, so that either runtime can import it
 * without loading the other's code.
 */

import type { RejectedCount } from '../../stack/rejected-count.js';
import type { MappingSettings } from '../mapping/settings.js';
import type { ItemCountStatus } from './item-count.js';
import type { ShardBehind } from './records-behind.js';
import type { EngineState } from './state.js';

/** A template property the engine does not apply as AWS would (see local/target/property-support.ts). */
export interface PropertyNote {
  logicalId: string;
  type: string;
  property: string;
  reason: string;
}

export interface StreamSpec {
  logicalId: string;
  name: string;
  shardCount: number;
  retentionHours: number;
}

export interface TableSpec {
  logicalId: string;
  name: string;
  billingMode: string;
  attributeDefinitions: { AttributeName: string; AttributeType: string }[];
  keySchema: { AttributeName: string; KeyType: string }[];
  globalSecondaryIndexes: {
    IndexName: string;
    KeySchema: { AttributeName: string; KeyType: string }[];
    Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
  }[];
  /** TimeToLiveSpecification attribute, enforced by the engine's sweeper. */
  ttlAttribute?: string;
}

export interface FunctionSpec {
  logicalId: string;
  name: string;
  handler: string;
  /** The template's variables; the engine adds its endpoint and credential variables at run time. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** Filled in by the processor loader. */
  bundlePath?: string;
  bundleSha?: string;
  bundleBytes?: number;
  /**
   * The template parameter its code location comes from (`Code.S3Key: !Ref CodeS3Key`): deploy
   * gives the function the bundle it stages under that parameter (the processor's, the consumer's).
   */
  codeParameter?: string;
}

export interface MappingSpec {
  /** The mapping's id: its checkpoints, stats and runner are keyed by it. */
  logicalId: string;
  /** The function it invokes (a FunctionSpec logicalId). */
  functionLogicalId: string;
  /** The stream it reads (the StreamSpec logicalId). */
  streamLogicalId: string;
  /** The runner's settings, as the template's event source mapping declares them. */
  settings: MappingSettings;
  /** The on-failure destination: a local file instead of the queue. */
  failureFile?: string;
}

export interface SkippedResource {
  logicalId: string;
  type: string;
  reason: string;
}

/** What the engine provisions for one stack: the template, evaluated by the CLI. */
export interface LocalPipeline {
  stack: string;
  region: string;
  parameters: Record<string, string>;
  stream: StreamSpec;
  table: TableSpec;
  /** Every function; the first is the processor (the one the main mapping invokes). */
  functions: FunctionSpec[];
  /** Every event source mapping on the stream, each independent (its own checkpoints and settings). */
  mappings: MappingSpec[];
  skipped: SkippedResource[];
  /** Mapping and function properties with no local effect (deploy warns about each). */
  ignoredProperties?: PropertyNote[];
  /** Mapping and function properties a local stand-in replaces. */
  substitutedProperties?: PropertyNote[];
  outputs: Record<string, string>;
}

/** What POST /apply/stream returns: the stream as the emulator has it now. */
export interface StreamStatus {
  name: string;
  arn: string;
  shards: number;
  retentionHours: number;
  created: boolean;
}

export interface TableStatus {
  name: string;
  indexes: string[];
  created: boolean;
}

/** What POST /apply/table returns: the table, and whether a TTL sweeper now runs for it. */
export interface TableApplied extends TableStatus {
  ttlSweeper: boolean;
}

/** What POST /apply/mapping returns: what happened to each mapping's runner, by mapping logical id. */
export interface MappingApplied {
  /** The first mapping's action (the processor's), as before there could be more than one. */
  action: 'started' | 'updated';
  mappings: Record<string, 'started' | 'updated' | 'unchanged' | 'stopped'>;
}

export interface TtlStatus {
  sweeps: number;
  deleted: number;
  lastSweepAt?: string;
}

/** What GET /status returns. */
export interface EngineStatus {
  state: EngineState;
  pipeline?: LocalPipeline;
  mappingRunning: boolean;
  /** The first mapping's stats (the processor's), the shape of a one-mapping engine. */
  mapping?: unknown;
  /** Every running mapping's stats, by mapping logical id. */
  mappings?: Record<string, unknown>;
  ttl?: TtlStatus;
}

/** Every POST /apply route carries the whole desired pipeline; each applies its part. */
export interface ApplyRequest {
  pipeline: LocalPipeline;
}

/** The control routes, keyed `METHOD /path`, with what each takes and returns. */
export interface EngineRoutes {
  'GET /status': { request: undefined; response: EngineStatus };
  'POST /apply/stream': { request: ApplyRequest; response: StreamStatus };
  'POST /apply/table': { request: ApplyRequest; response: TableApplied };
  'POST /apply/mapping': { request: ApplyRequest; response: MappingApplied };
  /** Records the pipeline as applied once every part is, so that a restart restores all of it. */
  'POST /apply/commit': { request: ApplyRequest; response: { committed: true } };
  'GET /items': { request: undefined; response: { count: number } };
  /** The table's approximate item count for `status`: cached, refreshed in the background (item-count.ts). */
  'GET /items/approximate': { request: undefined; response: ItemCountStatus };
  /** Records after each shard's checkpoint, capped (records-behind.ts), for `status`. */
  'GET /mapping/behind': {
    request: undefined;
    /** `shards`: the processor's mapping; `mappings`: each further mapping's, by logical id. */
    response: { shards: ShardBehind[]; mappings?: Record<string, ShardBehind[]> };
  };
  /** Rejected records stored since a time, counted through the time index (stack/rejected-count.ts). */
  'POST /rejected/count': { request: { sinceMs: number; cap: number }; response: RejectedCount };
}

export type EngineRoute = keyof EngineRoutes;

/** What the daemon implements: one handler per route. */
export type EngineRouteHandlers = {
  [R in EngineRoute]: (request: EngineRoutes[R]['request']) => Promise<EngineRoutes[R]['response']>;
};

/** Where a running engine listens and the token it wants; the state file holds it. */
export interface ControlAddress {
  port: number;
  token: string;
}

/** The body of any answer but 200: the error, and the hint and code of a UserError. */
export interface ControlFailure {
  error: string;
  hint?: string;
  code?: string;
}
