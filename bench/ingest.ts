/**
 * Ingest producer bench: `npx tsx bench/ingest.ts`.
 *
 * All in one run, on the same synthetic records (~300 B each, several languages, emoji):
 * 1. the producer (batching, linger, 4 requests in flight) into kinesalite;
 * 2. the baseline: one PutRecord call per record, one after another, as the original Python
 *    producer did (capped in count so that it finishes);
 * 3. a bare loop of PutRecords requests of the same batch size and concurrency, prebuilt, with
 *    nothing else around them: what the emulator itself can take;
 * 4. the producer against a sink that acknowledges instantly, with the producer's CPU per record.
 * kinesalite and the sink run in child processes, so process.cpuUsage() here is the producer's
 * (and the SDK's) own. Prints one JSON line, then a human summary. Goals: ≥ 10× the baseline,
 * ≥ 80 % of the bare loop, < 20 µs CPU per record against the instant sink.
 */
import { type KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { encodeTweetEvent, partitionKeyOf, type TweetEvent } from '../lambda/contract/tweet-event.js';
import { KinesisProducer, type PutRecordsClient } from '../src/ingest/producer.js';
import { syntheticTweets } from '../src/ingest/sources/synthetic.js';
import { createStream, kinesisClient } from '../test/helpers/kinesalite.js';
import { startChildServer, stopChildServers } from './lib/child-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PRODUCER_RECORDS = Number(process.env.BENCH_INGEST_RECORDS ?? 25_000);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 5);
const BASELINE_RECORDS = Number(process.env.BENCH_INGEST_BASELINE ?? 1_000);
const SINK_RECORDS = Number(process.env.BENCH_INGEST_SINK_RECORDS ?? 100_000);
const BATCH = 500;
const CONCURRENCY = 4;
const SHARDS = 4;

const client = (endpoint: string) => kinesisClient(endpoint, 1, CONCURRENCY + 2);

async function newStream(kinesis: KinesisClient, name: string): Promise<string> {
  await createStream(kinesis, name, SHARDS);
  return name;
}

interface Run {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
}

async function measure(records: number, work: () => Promise<void>): Promise<Run> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    records,
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecond: Math.round(records / seconds),
    cpuMicrosPerRecord: Number(((used.user + used.system) / records).toFixed(2)),
  };
}

async function runProducer(kinesis: PutRecordsClient, stream: string, events: TweetEvent[]): Promise<void> {
  const producer = await KinesisProducer.create({ client: kinesis, streamName: stream, concurrency: CONCURRENCY });
  for (const event of events) await producer.put(event);
  await producer.flush();
  const stats = producer.stats();
  if (stats.sent !== events.length) throw new Error(`producer sent ${stats.sent} of ${events.length}`);
}

async function main(): Promise<void> {
  const events = [
    ...syntheticTweets({
      seed: 2024,
      count: Math.max(PRODUCER_RECORDS, SINK_RECORDS),
      startTime: Date.UTC(2024, 0, 1),
    }),
  ];
  const avgBytes = Math.round(events.slice(0, 1000).reduce((n, e) => n + encodeTweetEvent(e).byteLength, 0) / 1000);
  const kinesis = await client((await startChildServer('./emulator-server.ts', ['kinesalite'])).endpoint);
  const sink = await client((await startChildServer('./instant-sink.ts')).endpoint);

  // Warm-up: JIT, sockets, SDK middleware, on both targets.
  const warm = await newStream(kinesis, 'bench-warm');
  await runProducer(kinesis as unknown as PutRecordsClient, warm, events.slice(0, 5_000));
  await runProducer(sink as unknown as PutRecordsClient, 'sink', events.slice(0, 20_000));

  const producerEvents = events.slice(0, PRODUCER_RECORDS);
  const bareLoop = async (stream: string) => {
    const batches: PutRecordsCommand[] = [];
    for (let i = 0; i < producerEvents.length; i += BATCH) {
      const slice = producerEvents.slice(i, i + BATCH);
      batches.push(
        new PutRecordsCommand({
          StreamName: stream,
          Records: slice.map((e) => ({ Data: encodeTweetEvent(e), PartitionKey: partitionKeyOf(e) })),
        }),
      );
    }
    return measure(producerEvents.length, async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batches.length) {
            const command = batches[next++] as PutRecordsCommand;
            const out = await kinesis.send(command);
            if (out.FailedRecordCount) throw new Error('bare loop: kinesalite failed records');
          }
        }),
      );
    });
  };
  const baselineEvents = events.slice(0, BASELINE_RECORDS);
  const onePerCall = async (stream: string) =>
    measure(baselineEvents.length, async () => {
      for (const event of baselineEvents) {
        await kinesis.send(
          new PutRecordCommand({
            StreamName: stream,
            Data: encodeTweetEvent(event),
            PartitionKey: partitionKeyOf(event),
          }),
        );
      }
    });
  // Rounds of (producer, bare loop, baseline) back to back on fresh streams. The machine is
  // shared, so ratios are taken within a round (same neighbours) and the median round reported.
  const rounds: { producer: Run; bare: Run; baseline: Run }[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const ps = await newStream(kinesis, `bench-producer-${round}`);
    const producerRun = await measure(producerEvents.length, () =>
      runProducer(kinesis as unknown as PutRecordsClient, ps, producerEvents),
    );
    const bareRun = await bareLoop(await newStream(kinesis, `bench-bare-${round}`));
    const baselineRun = await onePerCall(await newStream(kinesis, `bench-baseline-${round}`));
    rounds.push({ producer: producerRun, bare: bareRun, baseline: baselineRun });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const ratioBare = median(rounds.map((r) => r.producer.recordsPerSecond / r.bare.recordsPerSecond));
  const ratioBaseline = median(rounds.map((r) => r.producer.recordsPerSecond / r.baseline.recordsPerSecond));
  const medianRun = (pick: (r: (typeof rounds)[number]) => Run) => {
    const runs = rounds.map(pick).sort((a, b) => a.recordsPerSecond - b.recordsPerSecond);
    return runs[Math.floor(runs.length / 2)] as Run;
  };
  const producer = medianRun((r) => r.producer);
  const bare = medianRun((r) => r.bare);
  const baseline = medianRun((r) => r.baseline);

  const sinkEvents = events.slice(0, SINK_RECORDS);
  const instant = await measure(sinkEvents.length, () =>
    runProducer(sink as unknown as PutRecordsClient, 'sink', sinkEvents),
  );

  kinesis.destroy();
  sink.destroy();

  const vsBaseline = Number(ratioBaseline.toFixed(1));
  const vsBare = Number(ratioBare.toFixed(3));
  const result = {
    bench: 'ingest',
    node: process.version,
    recordBytes: avgBytes,
    batchSize: BATCH,
    concurrency: CONCURRENCY,
    shards: SHARDS,
    producer,
    rounds: rounds.map((r) => ({
      producer: r.producer.recordsPerSecond,
      bareLoop: r.bare.recordsPerSecond,
      baseline: r.baseline.recordsPerSecond,
    })),
    baselineOnePerCall: baseline,
    bareLoop: bare,
    producerInstantSink: instant,
    ratios: { producerVsBaseline: vsBaseline, producerVsBareLoop: vsBare },
    goals: {
      atLeast10xBaseline: vsBaseline >= 10,
      atLeast80PercentOfBareLoop: vsBare >= 0.8,
      under20MicrosCpuPerRecord: instant.cpuMicrosPerRecord < 20,
    },
  };
  Object.assign(result, {
    report: [
      {
        figure: 'ingest vs one PutRecord per record',
        measured: `${vsBaseline}×`,
        goal: '≥ 10×',
        met: result.goals.atLeast10xBaseline,
      },
      {
        figure: 'ingest vs bare PutRecords loop',
        measured: `${(vsBare * 100).toFixed(0)} %`,
        goal: '≥ 80 %',
        met: result.goals.atLeast80PercentOfBareLoop,
      },
      {
        figure: 'producer CPU per record (instant sink)',
        measured: `${instant.cpuMicrosPerRecord} µs`,
        goal: '< 20 µs',
        met: result.goals.under20MicrosCpuPerRecord,
      },
    ],
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const ok = (b: boolean) => (b ? 'met' : 'MISSED');
  process.stdout.write(
    [
      '',
      `ingest bench (${avgBytes}-byte records, ${SHARDS} shards, batches of ${BATCH}, ${CONCURRENCY} in flight; kinesalite and the sink in child processes)`,
      `  (median of ${ROUNDS} rounds; ratios within a round)
  producer → kinesalite        ${producer.recordsPerSecond.toLocaleString('en-US')} rec/s (${producer.records.toLocaleString('en-US')} records in ${producer.seconds} s)`,
      `  one PutRecord per record     ${baseline.recordsPerSecond.toLocaleString('en-US')} rec/s (${baseline.records.toLocaleString('en-US')} records)  → producer is ${vsBaseline}× (goal ≥ 10×: ${ok(result.goals.atLeast10xBaseline)})`,
      `  bare PutRecords loop         ${bare.recordsPerSecond.toLocaleString('en-US')} rec/s  → producer reaches ${(vsBare * 100).toFixed(0)} % (goal ≥ 80 %: ${ok(result.goals.atLeast80PercentOfBareLoop)})`,
      `  producer → instant sink      ${instant.recordsPerSecond.toLocaleString('en-US')} rec/s, ${instant.cpuMicrosPerRecord} µs CPU/record (goal < 20 µs: ${ok(result.goals.under20MicrosCpuPerRecord)})`,
      '',
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  stopChildServers();
}
