/** The demo service: built from the deploy, ingest and browse services, on the stack as deployed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TweetItem } from '../../lambda/contract/table-layout.js';
import { defaultStackSettings } from '../../src/config/settings.js';
import type { ResolvedStack } from '../../src/config/store.js';
import { latencyOf, runDemo } from '../../src/demo/demo.js';
import { UserError } from '../../src/errors.js';
import { silentReporter } from '../../src/progress.js';
import type { DeployOptions, StackTarget } from '../../src/target.js';
import { createEventTable, type DynaliteHandle, startDynalite } from '../helpers/dynalite.js';
import {
  createStream,
  DUMMY_CREDENTIALS,
  type KinesaliteHandle,
  kinesisClient,
  readStream,
  startKinesalite,
} from '../helpers/kinesalite.js';

const item = (arrivedMs: number, latencyMs: number) =>
  ({
    arrivedAt: new Date(arrivedMs).toISOString(),
    processedAt: new Date(arrivedMs + latencyMs).toISOString(),
  }) as TweetItem;

describe('latency figures', () => {
  it('gives nearest-rank percentiles of arrival → written, over every item', () => {
    const items = Array.from({ length: 100 }, (_, i) => item(1_000_000, i + 1));
    expect(latencyOf(items)).toEqual({ p50Ms: 50, p99Ms: 99, maxMs: 100, samples: 100 });
  });

  it('is all zeros without items', () => {
    expect(latencyOf([])).toEqual({ p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 });
  });
});

describe('demo service', () => {
  let kinesis: KinesaliteHandle;
  let tables: DynaliteHandle;
  let table: string;

  beforeAll(async () => {
    kinesis = await startKinesalite();
    const client = await kinesisClient(kinesis.endpoint);
    await createStream(client, 'demo-EventStream', 1);
    client.destroy();
    tables = await startDynalite();
    table = await createEventTable(tables);
  });
  afterAll(async () => {
    await kinesis?.close();
    await tables?.close();
  });

  /** Like the aws target: the stream and table are known only through the outputs saved by deploy. */
  function outputsOnlyTarget() {
    const deployed: DeployOptions[] = [];
    const target = {
      deploy: async (options: DeployOptions) => {
        deployed.push(options);
        return {
          stack: 'demo',
          target: 'aws',
          status: 'created',
          changes: [],
          resources: [],
          outputs: { StreamName: 'demo-EventStream', TableName: table },
          skipped: [],
          details: {},
        };
      },
      endpoints: async (stack: ResolvedStack) => {
        const outputs = stack.settings.outputs;
        if (!outputs?.StreamName || !outputs.TableName) throw new UserError('Stack demo is not deployed');
        const service = { endpoint: '', credentials: DUMMY_CREDENTIALS };
        return {
          target: 'aws',
          stack: stack.name,
          region: 'us-east-1',
          streamName: outputs.StreamName,
          tableName: outputs.TableName,
          kinesis: { ...service, endpoint: kinesis.endpoint },
          dynamodb: { ...service, endpoint: tables.endpoint },
        };
      },
    } as unknown as StackTarget;
    return { target, deployed };
  }

  it('deploys with resolved parameters, then ingests into and reads the stack as deployed', async () => {
    // Prepare: a stack never deployed before, so that only the deploy's outputs name the stream.
    const { target, deployed } = outputsOnlyTarget();
    const stack: ResolvedStack = {
      name: 'demo',
      settings: { ...defaultStackSettings(), target: 'aws', region: 'us-east-1' },
      configured: false,
      file: '',
    };
    // Act: no processor moves records to the table here, so nothing settles; do not wait for it.
    const result = await runDemo({
      stack,
      target,
      count: 5,
      rate: 1_000,
      seed: 21,
      teardown: false,
      settleTimeoutMs: 0,
      reporter: silentReporter,
      confirm: async () => true,
      signal: new AbortController().signal,
    });
    // Assess
    expect(deployed[0]?.parameters).toMatchObject({ BatchSize: '100', DataRetentionDays: '30', ShardCount: '1' });
    expect(result).toMatchObject({ seed: 21, sent: 5, itemsInTable: 0, missing: 5, rejected: 0 });
    expect(result.deploy.outputs.StreamName).toBe('demo-EventStream');
    const client = await kinesisClient(kinesis.endpoint);
    expect(await readStream(client, 'demo-EventStream')).toHaveLength(5);
    client.destroy();
  });
});
