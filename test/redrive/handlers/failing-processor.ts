/**
 * A processor for the redrive tests, deployed with `--processor`: the built-in processor, except
 * that a batch holding a record whose text contains REDRIVE-MARK throws (a function error), so
 * that with a small MaximumRetryAttempts the mapping sends the batch to its on-failure file.
 */
import { handler as builtIn } from '../../../lambda/processor/index.js';

type Event = Parameters<typeof builtIn>[0];
type Context = Parameters<typeof builtIn>[1];

export const handler = async (event: Event, context: Context) => {
  const marked = event.Records.some((record) =>
    Buffer.from(record.kinesis.data, 'base64').toString('utf8').includes('REDRIVE-MARK'),
  );
  if (marked) throw new Error(`REDRIVE-MARK in a batch of ${event.Records.length}`);
  return builtIn(event, context);
};
