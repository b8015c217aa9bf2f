/**
 * Reliability 4 — hung and failing handler: a custom processor (handlers/marker-handler.ts,
 * deployed with `--processor`) hangs past its 2 s timeout on one marker record and throws on
 * another. With MaximumRetryAttempts=2 and BisectBatchOnFunctionError=true the mapping must
 * bisect each failing batch down to the poisoned record, retry it twice, write exactly one
 * on-failure record per marker (batch size 1, that record's sequence number) to
 * mapping/failures.jsonl, and deliver every other record of the shard exactly once, in order.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnFailureRecord } from '../../src/local/mapping/failure-destination.js';
import { ROOT } from '../helpers/cli.js';
import { Rig, report, sum } from '../helpers/reliability.js';

const RECORDS = 2_000;
const MARKERS = { 150: 'HANG-MARKER', 1020: 'THROW-MARKER' } as Record<number, string>;
const TIMEOUT_S = 2;
const RETRIES = 2;
const BATCH_SIZE = 100;

let rig: Rig;

beforeAll(async () => {
  rig = await Rig.create('faults');
});
afterAll(async () => {
  await rig.cleanup();
});

describe('reliability: hung and failing handler', () => {
  it('retries, bisects to the poisoned records, records them on failure and keeps the shard flowing', async () => {
    // Prepare
    const recordFile = join(rig.dirs.root, 'deliveries.jsonl');
    const deployed = await rig.deploy(
      [
        '--processor',
        join(ROOT, 'test/reliability/handlers/marker-handler.ts'),
        '--timeout',
        String(TIMEOUT_S),
        '--batch-size',
        String(BATCH_SIZE),
        '-p',
        `MaximumRetryAttempts=${RETRIES}`,
        '-p',
        'BisectBatchOnFunctionError=true',
      ],
      { STREAMPROC_ENGINE_FUNCTION_ENV: JSON.stringify({ RECORD_FILE: recordFile }) },
    );
    expect(deployed.details.failureFile).toBe(rig.failureFile);
    const kinesis = await rig.kinesis();
    const data = Array.from({ length: RECORDS }, (_, i) => MARKERS[i] ?? `record ${i}`);

    // Act: one shard, all records at once, in order.
    const started = Date.now();
    const sequences: string[] = [];
    for (let offset = 0; offset < RECORDS; offset += 500) {
      const result = await kinesis.send(
        new PutRecordsCommand({
          StreamName: rig.streamName,
          Records: data.slice(offset, offset + 500).map((d) => ({ Data: Buffer.from(d), PartitionKey: 'one-shard' })),
        }),
      );
      expect(result.FailedRecordCount).toBe(0);
      sequences.push(...(result.Records ?? []).map((r) => r.SequenceNumber ?? ''));
    }
    kinesis.destroy();
    const mapping = await rig.waitForIdle(180_000, 3_000);
    const seconds = (Date.now() - started) / 1000;

    // Assess
    const deliveries = existsSync(recordFile)
      ? (await readFile(recordFile, 'utf8'))
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { seq: string; data: string; pid: number })
      : [];
    const failures = (await readFile(rig.failureFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as OnFailureRecord);
    const markerSequences = Object.keys(MARKERS).map((i) => sequences[Number(i)] as string);
    const expected = sequences.filter((seq) => !markerSequences.includes(seq));
    const shard = mapping.shards[0];
    // The runner logs each function error with the size of the batch that failed, in order.
    const errors = (await readFile(rig.logFile, 'utf8'))
      .split('\n')
      .filter((line) => line.includes('"event":"function-error"'))
      .map((line) => JSON.parse(line) as { errorType: string; batchSize: number });
    const timedOut = errors.filter((e) => e.errorType === 'Sandbox.Timedout').map((e) => e.batchSize);
    const thrown = errors.filter((e) => e.errorType !== 'Sandbox.Timedout').map((e) => e.batchSize);
    const timeouts = timedOut.length;
    const figures = {
      records: RECORDS,
      delivered: deliveries.length,
      distinctDelivered: new Set(deliveries.map((d) => d.seq)).size,
      executionEnvironments: new Set(deliveries.map((d) => d.pid)).size,
      invocations: shard?.invocations,
      functionErrors: shard?.functionErrors,
      timeouts,
      failedBatchSizesHang: timedOut,
      failedBatchSizesThrow: thrown,
      bisects: shard?.bisects,
      retries: shard?.retries,
      failureRecords: failures.length,
      failureBatchSizes: failures.map((f) => f.KinesisBatchInfo.batchSize),
      approximateInvokeCounts: failures.map((f) => f.requestContext.approximateInvokeCount),
      finalLagMs: shard?.lagMs,
      seconds,
    };
    report(
      'handler-faults',
      figures,
      `${figures.distinctDelivered}/${expected.length} other records delivered once each in ${seconds.toFixed(1)} s; ` +
        `${figures.functionErrors} function errors (${timeouts} timeouts), ${figures.bisects} bisects, ${figures.retries} ` +
        `retries; ${failures.length} on-failure records, batch sizes ${figures.failureBatchSizes.join(', ')}, ` +
        `invoked ${figures.approximateInvokeCounts.join(', ')} times; final lag ${figures.finalLagMs} ms`,
    );
    // Every other record delivered exactly once, in stream order.
    expect(deliveries.map((d) => d.seq)).toEqual(expected);
    // One on-failure record per marker: just that record, once retries were exhausted. The
    // engine's approximateInvokeCount counts every invocation that held the record (the bisected
    // batches and the retries), i.e. that marker's failed invocations.
    expect(failures.map((f) => f.KinesisBatchInfo.startSequenceNumber)).toEqual(markerSequences);
    for (const [index, failure] of failures.entries()) {
      expect(failure.KinesisBatchInfo).toMatchObject({ batchSize: 1, shardId: shard?.shardId });
      expect(failure.KinesisBatchInfo.endSequenceNumber).toBe(failure.KinesisBatchInfo.startSequenceNumber);
      expect(failure.requestContext).toMatchObject({
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: (index === 0 ? timedOut : thrown).length,
      });
      expect(failure.responseContext?.functionError).toBe('Unhandled');
    }
    // Each marker's failing batch was halved down to the marker alone (bisects do not use up
    // retries), which then failed 1 + MaximumRetryAttempts times.
    let bisects = 0;
    for (const sizes of [timedOut, thrown]) {
      expect(sizes.slice(-(1 + RETRIES))).toEqual(Array(1 + RETRIES).fill(1));
      const halving = sizes.slice(0, sizes.length - RETRIES);
      expect(halving[0]).toBeLessThanOrEqual(BATCH_SIZE);
      for (let i = 1; i < halving.length; i += 1) {
        const previous = halving[i - 1] as number;
        expect([Math.ceil(previous / 2), Math.floor(previous / 2)]).toContain(halving[i]);
      }
      bisects += halving.length - 1;
    }
    expect(shard?.bisects).toBe(bisects);
    expect(shard?.retries).toBe(2 * RETRIES);
    expect(shard?.functionErrors).toBe(errors.length);
    expect(shard?.sentToFailureDestination).toBe(2);
    expect(sum(mapping.shards, (s) => s.records)).toBe(expected.length);
    expect(shard?.checkpoint).toBe(sequences[sequences.length - 1]);
    expect(shard?.lagMs).toBe(0);
  });
});
