/** The browse service: retention bounds from the settings, and a stack's table found through its target. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseStack, retentionBounds } from '../../src/browse/browse.js';
import { defaultStackSettings, type StackSettings } from '../../src/config/settings.js';
import type { ResolvedStack } from '../../src/config/store.js';
import type { PipelineEndpoints, StackTarget } from '../../src/target.js';
import { createEventTable, type DynaliteHandle, putItems, startDynalite } from '../helpers/dynalite.js';
import { tweetsEndingAt } from '../helpers/records.js';

const settings = (over: Partial<StackSettings> = {}): StackSettings => ({ ...defaultStackSettings(), ...over });

describe('retention bounds', () => {
  it("takes the stack's retentionDays and StreamRetentionHours", () => {
    expect(retentionBounds(settings({ retentionDays: 9, parameters: { StreamRetentionHours: '48' } }))).toEqual({
      retentionDays: 9,
      streamRetentionHours: 48,
    });
  });

  it("assumes the template's 24 h stream retention when none was saved", () => {
    expect(retentionBounds(settings({ retentionDays: 30 })).streamRetentionHours).toBe(24);
  });

  it('leaves a value that is not a positive number to the browse default', () => {
    const bounds = retentionBounds(settings({ retentionDays: 0, parameters: { StreamRetentionHours: 'soon' } }));
    expect(bounds).toEqual({ retentionDays: undefined, streamRetentionHours: undefined });
  });
});

describe('browse service against dynalite', () => {
  let fixture: DynaliteHandle;
  let table: string;

  beforeAll(async () => {
    fixture = await startDynalite();
    table = await createEventTable(fixture);
    await putItems(fixture, table, tweetsEndingAt(Date.now() - 1_000, 3, 1_000));
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("reads the newest items of the table the stack's target names", async () => {
    // Prepare
    const endpoints: PipelineEndpoints = {
      target: 'local',
      stack: 'svc',
      region: 'us-east-1',
      streamName: 'unused',
      tableName: table,
      kinesis: {},
      dynamodb: { endpoint: fixture.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    };
    const target = { endpoints: async () => endpoints } as unknown as StackTarget;
    const stack: ResolvedStack = { name: 'svc', settings: settings(), configured: false, file: '' };
    // Act
    const reader = await browseStack({ stack, target });
    try {
      const page = await reader.newest({ limit: 2 });
      // Assess
      expect(reader.tableName).toBe(table);
      expect(page.items).toHaveLength(2);
      const [older, newer] = page.items.map((item) => Date.parse(item.arrivedAt));
      expect(older).toBeLessThan(newer as number);
    } finally {
      reader.close();
    }
  });
});
