// The throughput bench's function: takes $DELAY_MS per batch (default 50), then appends each record's
// arrival → done latency (ms) to $LATENCY_FILE as one line per batch.
import { appendFileSync } from 'node:fs';

export async function handler(event) {
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.DELAY_MS ?? 50)));
  const now = Date.now();
  const latencies = event.Records.map((record) => Math.round(now - record.kinesis.approximateArrivalTimestamp * 1000));
  if (process.env.LATENCY_FILE) appendFileSync(process.env.LATENCY_FILE, `${latencies.join(' ')}\n`);
}
