/**
 * What differs between the pipeline an engine runs and the one a deploy asks for, as readable
 * lines, plus which parts must be re-applied and which changes the emulators cannot make in place.
 */
import { primaryFunction } from '../engine/pipeline-shape.js';
import type { FunctionSpec, LocalPipeline, MappingSpec } from '../engine/protocol.js';

export interface PipelineDiff {
  changes: string[];
  stream: boolean;
  table: boolean;
  /** Function or mapping: both go to the runner in one update. */
  mapping: boolean;
  /** Changes that need a fresh stack (teardown, then deploy). */
  blockers: string[];
}

const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function compare(lines: string[], label: string, before: unknown, after: unknown): boolean {
  if (same(before, after)) return false;
  lines.push(`${label}: ${show(before)} → ${show(after)}`);
  return true;
}

const short = (sha: string | undefined) => sha?.slice(0, 12);

export function diffPipeline(applied: LocalPipeline | undefined, desired: LocalPipeline): PipelineDiff {
  if (!applied) {
    return {
      changes: [
        `stream ${desired.stream.name} (${desired.stream.shardCount} shard${desired.stream.shardCount === 1 ? '' : 's'})`,
        `table ${desired.table.name}`,
        ...desired.functions.map((f) => `function ${f.name}`),
        ...desired.mappings.map((m, i) => (i === 0 ? 'event source mapping' : `event source mapping ${m.logicalId}`)),
      ].map((l) => `create ${l}`),
      stream: true,
      table: true,
      mapping: true,
      blockers: [],
    };
  }
  const changes: string[] = [];
  const blockers: string[] = [];

  const a = applied.stream;
  const d = desired.stream;
  let stream = a.name !== d.name;
  if (a.shardCount !== d.shardCount) {
    blockers.push(
      `ShardCount ${a.shardCount} → ${d.shardCount}: the local stream cannot be resharded in place (kinesalite has no UpdateShardCount)`,
    );
  }
  stream = compare(changes, `stream ${d.name} retention hours`, a.retentionHours, d.retentionHours) || stream;

  const t = applied.table;
  const u = desired.table;
  if (!same(t.keySchema, u.keySchema) || !same(t.attributeDefinitions, u.attributeDefinitions)) {
    blockers.push(`table ${u.name} key schema changed: the local table must be recreated`);
  }
  let table = compare(changes, `table ${u.name} indexes`, t.globalSecondaryIndexes, u.globalSecondaryIndexes);
  table = compare(changes, `table ${u.name} TTL attribute`, t.ttlAttribute, u.ttlAttribute) || table;
  if (t.billingMode !== u.billingMode)
    changes.push(`table ${u.name} billing mode: ${t.billingMode} → ${u.billingMode}`);

  let mapping = false;
  const primary = primaryFunction(desired).logicalId;
  // The processor's lines read as they did with one function; the others name theirs.
  const fnLabel = (f: FunctionSpec) => (f.logicalId === primary ? 'function' : `function ${f.name}`);
  for (const g of desired.functions) {
    const f = applied.functions.find((x) => x.logicalId === g.logicalId);
    if (!f) {
      changes.push(`create function ${g.name}`);
      mapping = true;
      continue;
    }
    const label = fnLabel(g);
    mapping = compare(changes, `${label} bundle`, short(f.bundleSha), short(g.bundleSha)) || mapping;
    mapping = compare(changes, `${label} handler`, f.handler, g.handler) || mapping;
    mapping = compare(changes, `${label} timeout (s)`, f.timeoutSeconds, g.timeoutSeconds) || mapping;
    mapping = compare(changes, `${label} memory (MB)`, f.memoryMb, g.memoryMb) || mapping;
    for (const key of new Set([...Object.keys(f.environment), ...Object.keys(g.environment)])) {
      mapping = compare(changes, `${label} environment ${key}`, f.environment[key], g.environment[key]) || mapping;
    }
  }
  for (const f of applied.functions) {
    if (desired.functions.some((g) => g.logicalId === f.logicalId)) continue;
    changes.push(`delete function ${f.name}`);
    mapping = true;
  }
  const primaryMappingId = desired.mappings[0]?.logicalId;
  const mappingLabel = (m: MappingSpec) => (m.logicalId === primaryMappingId ? 'mapping' : `mapping ${m.logicalId}`);
  for (const d of desired.mappings) {
    const a = applied.mappings.find((x) => x.logicalId === d.logicalId);
    if (!a) {
      changes.push(`create event source mapping ${d.logicalId} (function ${d.functionLogicalId})`);
      mapping = true;
      continue;
    }
    const label = mappingLabel(d);
    const m = a.settings as unknown as Record<string, unknown>;
    const n = d.settings as unknown as Record<string, unknown>;
    for (const key of new Set([...Object.keys(m), ...Object.keys(n)])) {
      mapping = compare(changes, `${label} ${key}`, m[key], n[key]) || mapping;
    }
    mapping = compare(changes, `${label} failure file`, a.failureFile, d.failureFile) || mapping;
  }
  for (const a of applied.mappings) {
    if (desired.mappings.some((d) => d.logicalId === a.logicalId)) continue;
    changes.push(`delete event source mapping ${a.logicalId} (its checkpoints go with it)`);
    mapping = true;
  }

  const partChanged = changes.length > 0;
  for (const key of new Set([...Object.keys(applied.parameters), ...Object.keys(desired.parameters)])) {
    const before = applied.parameters[key];
    const after = desired.parameters[key];
    if (before !== after && !partChanged) {
      changes.push(`parameter ${key}: ${show(before)} → ${show(after)} (no local effect)`);
    }
  }
  return { changes, stream, table, mapping, blockers };
}
