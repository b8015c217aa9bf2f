/**
 * `deploy --filter` on the local target, through the built CLI: a record that matches no filter
 * never reaches the table, and the mapping's checkpoint still moves past it, as Lambda does
 * ("If none of your filters are satisfied, Lambda discards the record",
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTweetEvent } from '../../lambda/contract/tweet-event.js';
import type { EngineState } from '../../src/local/engine/state.js';
import { runCli, tempDirs } from '../helpers/cli.js';
import { localDynamoClient } from '../helpers/dynalite.js';
import { killEngines } from '../helpers/engines.js';
import { kinesisClient } from '../helpers/kinesalite.js';
import { tweetEvent } from '../helpers/records.js';
import { waitUntil } from '../helpers/wait.js';

const dirs = await tempDirs('streamproc-e2e-filter-');
const STACK = 'filt';
const stackDir = join(dirs.dataDir, 'stacks', STACK);

afterAll(async () => {
  await killEngines(dirs.dataDir);
  await dirs.cleanup();
});

async function checkpoints(): Promise<Record<string, { sequenceNumber?: string }>> {
  const file = join(stackDir, 'mapping', 'checkpoints.json');
  if (!existsSync(file)) return {};
  return (JSON.parse(await readFile(file, 'utf8')) as { shards: Record<string, { sequenceNumber?: string }> }).shards;
}

describe('deploy --filter (local target, built CLI)', () => {
  it('delivers only matching tweets; the others are checkpointed past and never reach the table', async () => {
    // Prepare
    const deployed = await runCli(['deploy', '--stack', STACK, '--json', '--filter', '{"data":{"lang":["en"]}}'], {
      env: dirs.env(),
    });
    expect(deployed.code, deployed.stderr).toBe(0);
    const result = JSON.parse(deployed.stdout);
    expect(result.details.parameters.FilterPattern1).toBe('{"data":{"lang":["en"]}}');
    expect(result.details.ignored).toEqual([]);
    const state = JSON.parse(await readFile(join(stackDir, 'engine.json'), 'utf8')) as EngineState;
    const kinesis = await kinesisClient(state.endpoints.kinesis, 3);
    const dynamodb = localDynamoClient(state.endpoints.dynamodb, 3);

    // Act: English, French, English, then French last.
    const events = ['en', 'fr', 'en', 'fr'].map((lang) => tweetEvent({ lang, createdAt: new Date().toISOString() }));
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: `${STACK}-EventStream`,
        Records: events.map((e) => ({ Data: encodeTweetEvent(e), PartitionKey: 'one-shard' })),
      }),
    );
    expect(put.FailedRecordCount).toBe(0);
    const last = put.Records?.[3]?.SequenceNumber;
    await waitUntil(
      async () => Object.values(await checkpoints()).some((c) => c.sequenceNumber === last),
      20_000,
      'the checkpoint past the last (filtered) record',
    );

    // Assess: only the English tweets are items.
    const page = await dynamodb.send(new ScanCommand({ TableName: `${STACK}-EventData` }));
    const text = JSON.stringify(page.Items ?? []);
    expect(text).toContain(events[0]?.id);
    expect(text).toContain(events[2]?.id);
    expect(text).not.toContain(events[1]?.id);
    expect(text).not.toContain(events[3]?.id);
    kinesis.destroy();
    dynamodb.destroy();
  });
});
