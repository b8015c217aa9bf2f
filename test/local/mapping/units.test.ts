// Partial batch response interpretation and the checkpoint store, with plain values and a temporary directory.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../../src/local/mapping/checkpoints.js';
import type { ShardRecord } from '../../../src/local/mapping/kinesis-event.js';
import { firstFailedIndex } from '../../../src/local/mapping/kinesis-event.js';

function shardRecords(...sequenceNumbers: string[]): ShardRecord[] {
  return sequenceNumbers.map((sequenceNumber) => ({
    sequenceNumber,
    partitionKey: 'pk',
    data: '',
    arrivalMs: 0,
    eventBytes: 500,
  }));
}

describe('partial batch response interpretation', () => {
  const batch = shardRecords('10', '11', '12', '13');

  it.each([
    ['null response', null, -1],
    ['a non-object response', 'done', -1],
    ['empty object', {}, -1],
    ['null list', { batchItemFailures: null }, -1],
    ['empty list', { batchItemFailures: [] }, -1],
    ['lowest of several failures', { batchItemFailures: [{ itemIdentifier: '13' }, { itemIdentifier: '11' }] }, 1],
    ['empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }, 0],
    ['null identifier', { batchItemFailures: [{ itemIdentifier: null }] }, 0],
    ['wrong key name', { batchItemFailures: [{ itemId: '12' }] }, 0],
    ['identifier not in the batch', { batchItemFailures: [{ itemIdentifier: '99' }] }, 0],
    ['list that is not a list', { batchItemFailures: 'oops' }, 0],
  ])('%s', (_name, result, expected) => {
    expect(firstFailedIndex(result, batch)).toBe(expected);
  });
});

describe('checkpoint store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamproc-checkpoints-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the newest checkpoint of every shard when many commits race', async () => {
    // Prepare
    const file = join(dir, 'checkpoints.json');
    const store = await CheckpointStore.open({ file, streamArn: 'arn:s', functionName: 'f' });

    // Act
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.commit(`shardId-00000000000${i % 3}`, String(1000 + i))),
    );
    const reopened = await CheckpointStore.open({ file, streamArn: 'arn:s', functionName: 'f' });

    // Assess
    expect(['0', '1', '2'].map((n) => reopened.get(`shardId-00000000000${n}`)?.sequenceNumber)).toEqual([
      '1048',
      '1049',
      '1047',
    ]);
    expect(readdirSync(dir)).toEqual(['checkpoints.json']);
  });

  it('sets an unreadable file aside and starts empty, reporting it', async () => {
    // Prepare
    const file = join(dir, 'checkpoints.json');
    writeFileSync(file, '{"version":1,"shards":{');
    const reports: string[] = [];

    // Act
    const store = await CheckpointStore.open({
      file,
      streamArn: 'arn:s',
      functionName: 'f',
      onCorrupt: (d) => reports.push(d.movedTo),
    });

    // Assess
    expect(store.get('shardId-000000000000')).toBeUndefined();
    expect(reports).toHaveLength(1);
    expect(readFileSync(reports[0] ?? '', 'utf8')).toBe('{"version":1,"shards":{');
  });
});
