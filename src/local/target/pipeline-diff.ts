/**
 * What differs between the pipeline an engine runs and the one a deploy asks for, as readable
 * lines, plus which parts must be re-applied and which changes the emulators cannot make in place.
 */
import type { LocalPipeline } from '../engine/protocol.js';

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
        `function ${desired.function.name}`,
        'event source mapping',
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

  const f = applied.function;
  const g = desired.function;
  let mapping = compare(changes, 'function bundle', short(f.bundleSha), short(g.bundleSha));
  mapping = compare(changes, 'function handler', f.handler, g.handler) || mapping;
  mapping = compare(changes, 'function timeout (s)', f.timeoutSeconds, g.timeoutSeconds) || mapping;
  mapping = compare(changes, 'function memory (MB)', f.memoryMb, g.memoryMb) || mapping;
  for (const key of new Set([...Object.keys(f.environment), ...Object.keys(g.environment)])) {
    mapping = compare(changes, `function environment ${key}`, f.environment[key], g.environment[key]) || mapping;
  }
  const m = applied.mapping.settings as unknown as Record<string, unknown>;
  const n = desired.mapping.settings as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(m), ...Object.keys(n)])) {
    mapping = compare(changes, `mapping ${key}`, m[key], n[key]) || mapping;
  }
  mapping =
    compare(changes, 'mapping failure file', applied.mapping.failureFile, desired.mapping.failureFile) || mapping;

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
