/** The engine's TTL sweeper against dynalite: expired items go, the rest stay. */
import { BatchWriteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTtlSweeper } from '../../../src/local/engine/ttl-sweeper.js';
import { createEventTable, type DynaliteHandle, startDynalite } from '../../helpers/dynalite.js';

let db: DynaliteHandle;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.close();
});

const NOW_MS = 1_800_000_000_000;

describe('TTL sweeper', () => {
  it('deletes only items whose expiry is in the past, across pages', async () => {
    // Prepare: 120 expired, 5 not yet, 3 without the attribute.
    const table = await createEventTable(db);
    const items = [
      ...Array.from({ length: 120 }, (_, i) => ({
        pk: { S: `old#${i}` },
        sk: { S: 'x' },
        expiresAt: { N: String(NOW_MS / 1000 - 10) },
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        pk: { S: `new#${i}` },
        sk: { S: 'x' },
        expiresAt: { N: String(NOW_MS / 1000 + 10) },
      })),
      ...Array.from({ length: 3 }, (_, i) => ({ pk: { S: `none#${i}` }, sk: { S: 'x' } })),
    ];
    for (let i = 0; i < items.length; i += 25) {
      await db.client.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    }
    const sweeper = startTtlSweeper({
      dynamodb: db.client,
      tableName: table,
      attribute: 'expiresAt',
      keyAttributes: ['pk', 'sk'],
      now: () => NOW_MS,
      intervalMs: 3_600_000,
    });
    // Act
    const deleted = await sweeper.sweep();
    await sweeper.stop();
    // Assess
    const left = await db.client.send(new ScanCommand({ TableName: table }));
    expect(deleted).toBe(120);
    const kinds = (left.Items ?? []).map((i) => i.pk?.S?.split('#')[0]);
    expect(kinds.filter((k) => k === 'new')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'none')).toHaveLength(3);
    expect(kinds).toHaveLength(8);
    expect(sweeper.stats()).toMatchObject({ sweeps: 1, deleted: 120 });
  });
});
