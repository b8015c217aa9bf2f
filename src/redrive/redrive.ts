/** The redrive service: failed batches from the on-failure destination put back into the stream. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient, createSqsClient } from '../aws/clients.js';
import type { ResolvedStack } from '../config/store.js';
import { UserError } from '../errors.js';
import type { RedriveBatchData, Reporter } from '../progress.js';
import type { FailureDestinationRef, PipelineEndpoints, StackTarget } from '../target.js';
import { targetFor } from '../targets.js';
import type { DestinationEntry, FailureSource } from './destination.js';
import { parseFailedBatch, streamNameOfArn } from './failed-batch.js';
import { countLines, FailureFile, peekFailureFile } from './file-destination.js';
import { DeadLetterQueue } from './queue-destination.js';
import { PutBackError, putBack } from './re-put.js';
import { redriveError } from './redrive-errors.js';
import { type RejectedResult, redriveRejected } from './rejected.js';
import { type LostRange, readRange } from './stream-range.js';

export interface RedriveOptions {
  stack: ResolvedStack;
  /** Show what would be redriven; change nothing. */
  dryRun?: boolean;
  /** Also re-send quarantined malformed records whose raw payload was stored whole. */
  rejected?: boolean;
  reporter: Reporter;
  /** Aborted on Ctrl-C: the batch under way is finished or left, never half-removed. */
  signal: AbortSignal;
  /**
   * Asked once, before anything changes (not in a dry run), with how many failed batches the
   * destination holds; false cancels. The command answers it (--yes, a prompt, or a usage error).
   */
  confirm: (preview: { batches?: number; location: string; rejected: boolean }) => Promise<boolean>;
  target?: StackTarget;
  /** Back-off base for throttled calls (tests make it small). Default 100 ms. */
  backoffBaseMs?: number;
}

export interface RedriveResult {
  stack: string;
  target: string;
  dryRun: boolean;
  /** The failure file or queue URL. */
  destination: string;
  /** Failed-batch records read from the destination. */
  batches: number;
  /** Records put back into the stream (in a dry run: that would be). */
  records: number;
  /** Ranges the stream no longer holds: reported, never skipped silently. */
  lost: LostRange[];
  /** Failed-batch records removed from the destination. */
  removed: number;
  /** Removals that found the record already gone (an SQS receipt handle that expired). */
  notRemoved: number;
  /** Left in the destination, with the reason. */
  kept: { where: string; reason: string }[];
  /** Failed-batch records in the destination after the run, when known. */
  remaining?: number;
  /** What each batch became (with --dry-run: what would be redriven). */
  details: RedriveBatchData[];
  /** With --rejected. */
  rejected?: RejectedResult;
}

/** Reads every failed batch, puts its records back and removes it; see the README, `streamproc redrive`. */
export async function redriveStack(options: RedriveOptions): Promise<RedriveResult> {
  const { stack } = options;
  const target = options.target ?? (await targetFor(stack.settings));
  const endpoints = await target.endpoints(stack);
  const ref = endpoints.failures;
  if (!ref) {
    throw new UserError(`Stack ${stack.name} has no on-failure destination recorded`, {
      hint: `Run \`streamproc deploy --stack ${stack.name}\` to save the stack's outputs (DLQUrl), then redrive again.`,
      code: 'NO_FAILURE_DESTINATION',
    });
  }
  const context = { stack: stack.name, target: endpoints.target, profile: endpoints.profile, ref };
  try {
    const kinesis = await createKinesisClient({
      region: endpoints.region,
      profile: endpoints.profile,
      service: endpoints.kinesis,
    });
    try {
      const preview = options.dryRun ? undefined : await previewCount(ref, endpoints);
      const location = ref.kind === 'file' ? ref.path : ref.queueUrl;
      if (
        !options.dryRun &&
        !(await options.confirm({ batches: preview, location, rejected: Boolean(options.rejected) }))
      ) {
        throw new UserError('Redrive cancelled; nothing was changed', { code: 'CANCELLED' });
      }
      const source = await openSource(ref, endpoints, options);
      const result = await redriveSource({ ...options, endpoints, kinesis, source });
      if (options.rejected) {
        result.rejected = await redriveRejected({
          endpoints,
          kinesis,
          dryRun: Boolean(options.dryRun),
          reporter: options.reporter,
          signal: options.signal,
          backoffBaseMs: options.backoffBaseMs,
        });
      }
      return result;
    } finally {
      kinesis.destroy();
    }
  } catch (error) {
    throw redriveError(error, context);
  }
}

/** How many failed batches the destination holds, before the run (the confirmation shows it). */
async function previewCount(ref: FailureDestinationRef, endpoints: PipelineEndpoints): Promise<number | undefined> {
  if (ref.kind === 'file') {
    const file = new FailureFile(ref.path);
    return (await countLines(ref.path)) + (await countLines(file.claimed));
  }
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const sqs = await createSqsClient({ region: endpoints.region, profile: endpoints.profile, service: ref.service });
  try {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: ref.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0);
  } finally {
    sqs.destroy();
  }
}

async function openSource(
  ref: FailureDestinationRef,
  endpoints: PipelineEndpoints,
  options: RedriveOptions,
): Promise<FailureSource & { destroy?: () => void }> {
  if (ref.kind === 'file') return options.dryRun ? peekFailureFile(ref.path) : new FailureFile(ref.path);
  const client = await createSqsClient({ region: endpoints.region, profile: endpoints.profile, service: ref.service });
  const queue = new DeadLetterQueue({
    client,
    queueUrl: ref.queueUrl,
    dryRun: options.dryRun,
    signal: options.signal,
    backoffBaseMs: options.backoffBaseMs,
  });
  return Object.assign(queue, { destroy: () => client.destroy() });
}

export interface RedriveSourceOptions extends Pick<RedriveOptions, 'dryRun' | 'reporter' | 'signal' | 'backoffBaseMs'> {
  endpoints: Pick<PipelineEndpoints, 'stack' | 'target' | 'streamName'>;
  kinesis: Pick<KinesisClient, 'send'>;
  source: FailureSource & { destroy?: () => void };
}

/** The loop over one destination: read, re-read from the stream, put back, then remove. */
export async function redriveSource(options: RedriveSourceOptions): Promise<RedriveResult> {
  const { endpoints, kinesis, source, reporter, signal } = options;
  const dryRun = Boolean(options.dryRun);
  const result: RedriveResult = {
    stack: endpoints.stack,
    target: endpoints.target,
    dryRun,
    destination: source.location,
    batches: 0,
    records: 0,
    lost: [],
    removed: 0,
    notRemoved: 0,
    kept: [],
    details: [],
  };
  const report = (batch: RedriveBatchData) => {
    result.details.push(batch);
    reporter.emit({ type: 'redriveBatch', batch });
  };
  const keep = async (entry: DestinationEntry, reason: string, detail: Partial<RedriveBatchData> = {}) => {
    await source.keep(entry);
    result.kept.push({ where: entry.where, reason });
    report({ where: entry.where, records: 0, outcome: 'kept', reason, ...detail });
  };
  try {
    for (let entries = await source.next(); entries.length > 0; entries = await source.next()) {
      for (const entry of entries) {
        signal.throwIfAborted();
        result.batches += 1;
        const parsed = parseFailedBatch(entry.body);
        if (!parsed.ok) {
          await keep(entry, `unreadable: ${parsed.reason}`);
          continue;
        }
        const { batch } = parsed;
        const range = { shardId: batch.shardId, from: batch.startSequenceNumber, to: batch.endSequenceNumber };
        const stream = streamNameOfArn(batch.streamArn);
        if (stream && stream !== endpoints.streamName) {
          await keep(entry, `from stream ${stream}, not ${endpoints.streamName}`, range);
          continue;
        }
        const read = await readRange({
          client: kinesis,
          streamName: endpoints.streamName,
          batch,
          signal,
          backoffBaseMs: options.backoffBaseMs,
        });
        if (read.lost) result.lost.push(read.lost);
        const lostPart = read.lost ? { lostRecords: read.lost.records, reason: read.lost.reason } : {};
        if (dryRun) {
          result.records += read.records.length;
          report({ where: entry.where, ...range, records: read.records.length, outcome: 'would-redrive', ...lostPart });
          continue;
        }
        try {
          await putBack({
            client: kinesis,
            streamName: endpoints.streamName,
            records: read.records,
            signal,
            backoffBaseMs: options.backoffBaseMs,
          });
        } catch (error) {
          if (!(error instanceof PutBackError)) throw error;
          await keep(entry, `not put back: ${error.message}`, range);
          continue;
        }
        result.records += read.records.length;
        // Only now, with its records accepted by the stream (or reported lost), does the batch leave the destination.
        if (await source.remove(entry)) result.removed += 1;
        else {
          result.notRemoved += 1;
          reporter.warn(
            `${entry.where} was already gone when it was to be deleted (its receipt handle expired, or another redrive took it); its records were put back, and if it reappears a later redrive repeats it harmlessly.`,
          );
        }
        const outcome = read.records.length === 0 && read.lost ? 'lost' : 'redriven';
        report({ where: entry.where, ...range, records: read.records.length, outcome, ...lostPart });
      }
    }
  } finally {
    const closed = await source.close();
    result.remaining = closed.remaining;
    source.destroy?.();
  }
  return result;
}
