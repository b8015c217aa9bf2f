/** The daemon's answer to each control route of the protocol: status, the apply steps, the item count. */
import type { Applier } from './applier.js';
import { primaryFunction, primaryMapping } from './pipeline-shape.js';
import type { EngineRouteHandlers } from './protocol.js';
import type { EngineState } from './state.js';

/** How long GET /items/approximate waits for a running count before answering without it. */
const APPROXIMATE_ITEMS_WAIT_MS = 250;
/** Records behind are counted up to this many per shard (one GetRecords call), then shown as "N+". */
export const RECORDS_BEHIND_CAP = 1_000;

export interface EngineRoutesOptions {
  applier: Applier;
  /** The state the engine published (the route only answers once it has). */
  state: () => EngineState;
  /** Records in the state file which bundle the mapping now runs. */
  bundleApplied: (bundleSha: string | undefined) => Promise<void>;
}

export function engineRoutes(options: EngineRoutesOptions): EngineRouteHandlers {
  const { applier } = options;
  return {
    'GET /status': async () => ({ state: options.state(), ...applier.status() }),
    'POST /apply/stream': async (request) => applier.stream(request.pipeline),
    'POST /apply/table': async (request) => applier.table(request.pipeline),
    'POST /apply/mapping': async (request) => {
      const result = await applier.mapping(request.pipeline);
      await options.bundleApplied(primaryFunction(request.pipeline).bundleSha);
      return result;
    },
    'POST /apply/commit': async (request) => {
      await applier.commit(request.pipeline);
      return { committed: true };
    },
    'GET /items': async () => ({ count: await applier.countItems() }),
    // Cached and refreshed in the background, so that `streamproc status` answers in well under a second.
    'GET /items/approximate': async () => (await applier.itemCount(APPROXIMATE_ITEMS_WAIT_MS)) ?? { counting: false },
    'GET /mapping/behind': async () => {
      const pipeline = applier.applied();
      const primary = pipeline ? primaryMapping(pipeline).logicalId : undefined;
      const others = applier.mappingIds().filter((id) => id !== primary);
      const [shards, ...rest] = await Promise.all([
        applier.recordsBehind(RECORDS_BEHIND_CAP),
        ...others.map((id) => applier.recordsBehind(RECORDS_BEHIND_CAP, id)),
      ]);
      return {
        shards: shards ?? [],
        ...(others.length > 0 ? { mappings: Object.fromEntries(others.map((id, i) => [id, rest[i] ?? []])) } : {}),
      };
    },
    'POST /rejected/count': async (request) => applier.rejectedSince(request.sinceMs, request.cap),
  };
}
