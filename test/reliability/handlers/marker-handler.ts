/**
 * A processor for the hung-and-failing-handler test, deployed with `--processor`: a batch holding
 * a record with HANG-MARKER sleeps far past the function timeout, a batch holding THROW-MARKER
 * throws; any other batch succeeds and appends one line per record (sequence number, data) to
 * $RECORD_FILE, so the test sees exactly which records were delivered successfully, and where.
 */
import { appendFileSync } from 'node:fs';

interface KinesisRecord {
  kinesis: { data: string; sequenceNumber: string };
  eventID: string;
}

export const handler = async (event: { Records: KinesisRecord[] }): Promise<void> => {
  const decoded = event.Records.map((record) => ({
    seq: record.kinesis.sequenceNumber,
    data: Buffer.from(record.kinesis.data, 'base64').toString('utf8'),
  }));
  if (decoded.some((record) => record.data.includes('HANG-MARKER'))) {
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  }
  if (decoded.some((record) => record.data.includes('THROW-MARKER'))) {
    throw new Error(`THROW-MARKER in a batch of ${decoded.length}`);
  }
  const file = process.env.RECORD_FILE;
  if (!file) throw new Error('RECORD_FILE is not set');
  const lines = decoded.map((record) => JSON.stringify({ seq: record.seq, data: record.data, pid: process.pid }));
  appendFileSync(file, `${lines.join('\n')}\n`);
};
