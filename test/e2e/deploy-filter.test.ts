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
  // Each mapping keeps its checkpoints in its own directory, named by its logical id.
  const file = join(stackDir, 'mapping', 'EventSourceMapping', 'checkpoints.json');
  if (!existsSync(file)) return {};
  return (JSON.parse(await readFile(file, 'utf8')) as { shards: Record<string, { sequenceNumber?: string }> }).shards;
}

async function putTweet(lang: string): Promise<{ id: string; sequenceNumber: string }> {
  const state = JSON.parse(await readFile(join(stackDir, 'engine.json'), 'utf8')) as EngineState;
  const kinesis = await kinesisClient(state.endpoints.kinesis, 3);
  const event = tweetEvent({ lang, createdAt: new Date().toISOString() });
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: `${STACK}-EventStream`,
      Records: [{ Data: encodeTweetEvent(event), PartitionKey: 'one-shard' }],
    }),
  );
  kinesis.destroy();
  return { id: event.id, sequenceNumber: put.Records?.[0]?.SequenceNumber ?? '' };
}

async function itemCount(): Promise<number> {
  const state = JSON.parse(await readFile(join(stackDir, 'engine.json'), 'utf8')) as EngineState;
  const dynamodb = localDynamoClient(state.endpoints.dynamodb, 3);
  const page = await dynamodb.send(new ScanCommand({ TableName: `${STACK}-EventData`, Select: 'COUNT' }));
  dynamodb.destroy();
  return page.Count ?? 0;
}

const deployJson = async (args: string[]) => {
  const result = await runCli(['deploy', '--stack', STACK, '--json', ...args], { env: dirs.env() });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};

const checkpointReaches = (sequenceNumber: string, what: string) =>
  waitUntil(
    async () => Object.values(await checkpoints()).some((c) => c.sequenceNumber === sequenceNumber),
    20_000,
    what,
  );

describe('deploy --filter (local target, built CLI)', () => {
  it('delivers only matching tweets; the others are checkpointed past and never reach the table', async () => {
    // Prepare: a configured stack, so that deploy's flags are saved for the next deploy.
    const init = await runCli(['init', '--yes', '--stack', STACK, '--target', 'local', '--keywords', 'aws'], {
      env: dirs.env(),
    });
    expect(init.code, init.stderr).toBe(0);
    const deployed = await runCli(['deploy', '--stack', STACK, '--json', '--filter', '{"data":{"lang":["en"]}}'], {
      env: dirs.env(),
    });
    expect(deployed.code, deployed.stderr).toBe(0);
    const result = JSON.parse(deployed.stdout);
    expect(result.details.parameters.FilterPattern1).toBe('{"data":{"lang":["en"]}}');
    expect(result.details.ignored).toEqual([]);
    expect(result.resources.find((r: { name: string }) => r.name === 'Mapping')?.value).toContain('1 filter');
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

  it('--disable-mapping pauses the mapping, --enable-mapping resumes it from its checkpoint, --clear-filters delivers everything again', async () => {
    // Prepare: the stack of the test above (two English tweets in the table).
    const before = await itemCount();
    expect(before).toBe(2);

    // Act: pause, put an English tweet, resume.
    const paused = await deployJson(['--disable-mapping']);
    // The saved filter stays: only the flag given changes.
    expect(paused.changes).toEqual(['mapping enabled: true → false']);
    expect(paused.resources.find((r: { name: string }) => r.name === 'Mapping')?.value).toContain('DISABLED');
    const english = await putTweet('en');
    const resumed = await deployJson(['--enable-mapping']);
    expect(resumed.changes).toEqual(['mapping enabled: false → true']);
    await checkpointReaches(english.sequenceNumber, 'the tweet put while paused');

    // Assess: delivered once, after the resume; nothing before it delivered again.
    expect(await itemCount()).toBe(3);

    // Act: without filters a French tweet reaches the table.
    const cleared = await deployJson(['--clear-filters']);
    expect(cleared.changes).toEqual([`mapping filterPatterns: ["{\\"data\\":{\\"lang\\":[\\"en\\"]}}"] → (none)`]);
    const french = await putTweet('fr');
    await checkpointReaches(french.sequenceNumber, 'the French tweet');
    await waitUntil(async () => (await itemCount()) === 4, 20_000, 'the French tweet in the table');
  });
});
