/** A stack deployed on the local engine by the built CLI, for end-to-end tests: its endpoints, its table's posts, teardown. */
import type { PipelineEndpoints } from '../../src/target.js';
import { requireBuilt, runCli, tempDirs } from './cli.js';
import { killEngines } from './engines.js';
import { sleep } from './wait.js';

/** A post item of the table, as the end-to-end tests look at it. */
export interface TablePost {
  id: string;
  username: string;
  network?: string;
  source: string;
  text: string;
}

export interface LocalStack {
  dirs: Awaited<ReturnType<typeof tempDirs>>;
  endpoints: PipelineEndpoints;
  /** Every post item in the table (a full Scan, paged). */
  posts(): Promise<TablePost[]>;
  /** Waits until every id is in the table (polling the table, the readiness signal); returns the ids there. */
  waitForIds(expected: string[], timeoutMs?: number): Promise<Set<string>>;
  /** `teardown --yes`, kills any engine left under its data directory (by pid), removes the directories. */
  teardown(): Promise<void>;
}

/**
 * `streamproc deploy` into fresh temporary directories (the local engine starts detached), then
 * the stack's endpoints through the local target, read in this process: the settings and data
 * directories become this process's too, so that `resolveStack` finds what the CLI wrote.
 */
export async function deployLocalStack(prefix: string): Promise<LocalStack> {
  requireBuilt('dist/processor/index.mjs');
  const dirs = await tempDirs(prefix);
  const deploy = await runCli(['deploy', '--json'], { env: dirs.env(), timeoutMs: 60_000 });
  if (deploy.code !== 0) {
    await killEngines(dirs.dataDir);
    await dirs.cleanup();
    throw new Error(`deploy failed (${deploy.code}): ${deploy.stderr}`);
  }
  process.env.STREAMPROC_CONFIG_DIR = dirs.configDir;
  process.env.STREAMPROC_DATA_DIR = dirs.dataDir;
  // Through a variable: the module is imported after the environment above is set.
  const modulePath = '../../src/local/target/target.js';
  const { localTarget } = (await import(modulePath)) as typeof import('../../src/local/target/target.js');
  const { resolveStack } = await import('../../src/config/store.js');
  const endpoints = await localTarget().endpoints(await resolveStack(undefined));

  const posts = async (): Promise<TablePost[]> => {
    const { createDynamoDbClient } = await import('../../src/aws/clients.js');
    const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
    const client = await createDynamoDbClient({ region: endpoints.region, service: endpoints.dynamodb });
    const found: TablePost[] = [];
    try {
      let start: Record<string, never> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: endpoints.tableName, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          if (item.kind?.S !== 'tweet' || !item.tweetId?.S) continue;
          found.push({
            id: item.tweetId.S,
            username: item.username?.S as string,
            network: item.network?.S,
            source: item.source?.S as string,
            text: item.text?.S as string,
          });
        }
        start = page.LastEvaluatedKey as typeof start;
      } while (start);
    } finally {
      client.destroy();
    }
    return found;
  };

  const waitForIds = async (expected: string[], timeoutMs = 30_000): Promise<Set<string>> => {
    const deadline = Date.now() + timeoutMs;
    let ids = new Set((await posts()).map((p) => p.id));
    while (!expected.every((id) => ids.has(id)) && Date.now() < deadline) {
      await sleep(250);
      ids = new Set((await posts()).map((p) => p.id));
    }
    return ids;
  };

  return {
    dirs,
    endpoints,
    posts,
    waitForIds,
    teardown: async () => {
      await runCli(['teardown', '--yes'], { env: dirs.env(), timeoutMs: 30_000 });
      await killEngines(dirs.dataDir);
      await dirs.cleanup();
    },
  };
}
