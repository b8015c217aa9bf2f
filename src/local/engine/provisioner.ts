/**
 * Makes the emulators match a pipeline spec (inside the engine process): creates the stream and
 * the table when missing, adjusts what the emulators can change in place, and reports what it did.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamSpec, StreamStatus, TableSpec, TableStatus } from './protocol.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isNotFound(error: unknown): boolean {
  return (error as { name?: string }).name === 'ResourceNotFoundException';
}

async function describeStream(kinesis: KinesisClient, name: string) {
  const { DescribeStreamSummaryCommand } = await import('@aws-sdk/client-kinesis');
  try {
    return (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function waitForStream(kinesis: KinesisClient, name: string) {
  for (let i = 0; i < 200; i += 1) {
    const summary = await describeStream(kinesis, name);
    if (summary?.StreamStatus === 'ACTIVE') return summary;
    await sleep(25);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

export async function applyStream(kinesis: KinesisClient, spec: StreamSpec): Promise<StreamStatus> {
  const sdk = await import('@aws-sdk/client-kinesis');
  let summary = await describeStream(kinesis, spec.name);
  const created = summary === undefined;
  if (created) {
    await kinesis.send(new sdk.CreateStreamCommand({ StreamName: spec.name, ShardCount: spec.shardCount }));
  }
  summary = await waitForStream(kinesis, spec.name);
  const current = summary.RetentionPeriodHours ?? 24;
  if (current < spec.retentionHours) {
    await kinesis.send(
      new sdk.IncreaseStreamRetentionPeriodCommand({
        StreamName: spec.name,
        RetentionPeriodHours: spec.retentionHours,
      }),
    );
  } else if (current > spec.retentionHours) {
    await kinesis.send(
      new sdk.DecreaseStreamRetentionPeriodCommand({
        StreamName: spec.name,
        RetentionPeriodHours: spec.retentionHours,
      }),
    );
  }
  if (current !== spec.retentionHours) summary = await waitForStream(kinesis, spec.name);
  return {
    name: spec.name,
    arn: summary.StreamARN ?? '',
    shards: summary.OpenShardCount ?? spec.shardCount,
    retentionHours: summary.RetentionPeriodHours ?? spec.retentionHours,
    created,
  };
}

async function describeTable(dynamodb: DynamoDBClient, name: string) {
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function applyTable(dynamodb: DynamoDBClient, spec: TableSpec): Promise<TableStatus> {
  const sdk = await import('@aws-sdk/client-dynamodb');
  let table = await describeTable(dynamodb, spec.name);
  const created = table === undefined;
  const onDemand = spec.billingMode === 'PAY_PER_REQUEST';
  const throughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  if (created) {
    await dynamodb.send(
      new sdk.CreateTableCommand({
        TableName: spec.name,
        AttributeDefinitions: spec.attributeDefinitions as never,
        KeySchema: spec.keySchema as never,
        BillingMode: onDemand ? 'PAY_PER_REQUEST' : 'PROVISIONED',
        ...(onDemand ? {} : { ProvisionedThroughput: throughput }),
        ...(spec.globalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: spec.globalSecondaryIndexes.map((g) => ({
                ...g,
                ...(onDemand ? {} : { ProvisionedThroughput: throughput }),
              })) as never,
            }
          : {}),
      }),
    );
  } else {
    // Indexes the template added since the table was made; removed ones are deleted.
    const existing = new Set((table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const wanted = new Set(spec.globalSecondaryIndexes.map((g) => g.IndexName));
    for (const g of spec.globalSecondaryIndexes.filter((x) => !existing.has(x.IndexName))) {
      await dynamodb.send(
        new sdk.UpdateTableCommand({
          TableName: spec.name,
          AttributeDefinitions: spec.attributeDefinitions as never,
          GlobalSecondaryIndexUpdates: [
            { Create: { ...g, ...(onDemand ? {} : { ProvisionedThroughput: throughput }) } as never },
          ],
        }),
      );
    }
    for (const name of [...existing].filter((x) => x && !wanted.has(x))) {
      await dynamodb.send(
        new sdk.UpdateTableCommand({
          TableName: spec.name,
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }],
        }),
      );
    }
  }
  for (let i = 0; i < 200; i += 1) {
    table = await describeTable(dynamodb, spec.name);
    const indexesReady = (table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesReady) break;
    await sleep(25);
  }
  return {
    name: spec.name,
    indexes: (table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName ?? ''),
    created,
  };
}

/** Item count by a counting scan (dynalite's DescribeTable ItemCount is always 0). */
export async function countItems(dynamodb: DynamoDBClient, tableName: string): Promise<number> {
  const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: start as never }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}
