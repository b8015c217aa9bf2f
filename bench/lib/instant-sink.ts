/**
 * `instant-sink.ts`: a Kinesis endpoint that acknowledges every PutRecords at once, so that the
 * ingest bench measures the producer's own CPU per record. Counts entries without a full parse.
 * Prints {"port":N}; see child-server.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveUntilParentLeaves } from './child-server.js';

const answers = new Map<number, string>();
const answer = (entries: number): string => {
  let body = answers.get(entries);
  if (!body) {
    body = JSON.stringify({
      FailedRecordCount: 0,
      Records: Array.from({ length: entries }, (_, i) => ({
        SequenceNumber: String(49600000000000000000000000000000000000000000000000000n + BigInt(i)),
        ShardId: 'shardId-000000000000',
      })),
    });
    answers.set(entries, body);
  }
  return body;
};

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const entries = Buffer.concat(chunks).toString('utf8').split('"PartitionKey"').length - 1;
    const body = answer(entries);
    response.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => serveUntilParentLeaves((server.address() as AddressInfo).port));
