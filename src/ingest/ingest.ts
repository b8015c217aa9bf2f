/** The ingest service: a stack's stream fed from one source, and the run that does it. */
import { type ClientSettings, createKinesisClient } from '../aws/clients.js';
import { stackDataDir } from '../config/paths.js';
import type { ResolvedStack } from '../config/store.js';
import { UserError } from '../errors.js';
import { producerArn, readProducerKey, requireAwsTarget } from '../producer/key.js';
import { type RereadingClient, rereadingClient } from '../producer/rereading-client.js';
import type { StackTarget } from '../target.js';
import { targetFor } from '../targets.js';
import { checkGivenUpPath, GivenUpFile, givenUpFilePath } from './given-up-file.js';
import { noticeLabel } from './normalise.js';
import { openSource, type SourceChoice } from './open-source.js';
import { type BillingFigures, billingFigures } from './post-billing.js';
import {
  KinesisProducer,
  type ProducerOptions,
  type ProducerRecord,
  type ProducerStats,
  type PutRecordsClient,
} from './producer.js';
import type { BadInput, IngestSource, SourceNotice, SourceState } from './sources/source.js';
import { BAD_LINE_SAMPLES, type IngestIdentity, type IngestSummary, rate } from './summary.js';

/**
 * `ingestIntoStack` opens the source, finds the stream through the stack's target and starts the
 * run; `startIngest` is the run: it pulls items from the source, sends the events through the
 * producer, tallies bad input and returns the summary. Neither prints; the command polls
 * `progress()` for the live line and renders the summary.
 */

/** PutRecords requests in flight at once when the caller does not say. */
const DEFAULT_CONCURRENCY = 4;

export interface StackIngestOptions
  extends Pick<
    IngestOptions,
    'lingerMs' | 'concurrency' | 'retryDeadlineMs' | 'signal' | 'maxPosts' | 'onBadLine' | 'onNotice' | 'onWarning'
  > {
  stack: ResolvedStack;
  /**
   * The source flags (checked with `checkSourceChoice`). The source is opened before anything
   * else, so that a missing file or missing X credentials fail first.
   */
  source: SourceChoice;
  /** The Kinesis stream to send to. Default: the stack's stream. */
  streamName?: string;
  /** Where given-up records go. Default: a new file per run under the stack's data directory. */
  givenUpFile?: string;
  /** The source's connection state (the X stream's connect, backoff, rules sync). */
  onSourceState?: (state: SourceState) => void;
  /** The target that knows the stream. Default: the stack's own, from `targetFor`. */
  target?: StackTarget;
  /** Send with the stack's producer identity (aws target, deployed with --producer-identity). */
  asProducer?: boolean;
}

export interface StackIngestRun extends IngestRun {
  /** The synthetic source's seed (given or drawn), to repeat the run. */
  seed?: number;
}

/** Starts sending from the chosen source into the stack's stream; the Kinesis client lives as long as the run. */
export async function ingestIntoStack(options: StackIngestOptions): Promise<StackIngestRun> {
  const { stack } = options;
  if (options.asProducer) requireAwsTarget(stack, 'ingest --as-producer');
  if (options.givenUpFile !== undefined) await checkGivenUpPath(options.givenUpFile, options.source.file);
  const { source, seed } = await openSource(stack, options.source, options.onSourceState ?? (() => {}));
  const target = options.target ?? (await targetFor(stack.settings));
  const endpoints = await target.endpoints(stack);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  // maxAttempts 1: the producer retries per entry; SDK retries would resend whole batches.
  const clientSettings = { region: endpoints.region, maxAttempts: 1, maxSockets: concurrency + 2 };
  const { client, identity } = options.asProducer
    ? await producerClient(stack, clientSettings, endpoints.kinesis.endpoint, options.onWarning)
    : {
        client: await createKinesisClient({
          ...clientSettings,
          profile: endpoints.profile,
          service: endpoints.kinesis,
        }),
        identity: { as: 'operator' as const, arn: null },
      };
  try {
    const run = await startIngest({
      source,
      client,
      streamName: options.streamName ?? endpoints.streamName,
      givenUpFile: options.givenUpFile ?? givenUpFilePath(stack.name),
      ...(options.givenUpFile === undefined ? { givenUpOwner: stackDataDir(stack.name) } : {}),
      signal: options.signal,
      lingerMs: options.lingerMs,
      concurrency,
      retryDeadlineMs: options.retryDeadlineMs,
      maxPosts: options.maxPosts,
      onBadLine: options.onBadLine,
      onNotice: options.onNotice,
      onWarning: options.onWarning,
      identity,
    });
    return { ...run, seed, done: run.done.finally(() => client.destroy()) };
  } catch (error) {
    client.destroy();
    throw error;
  }
}

export interface IngestOptions
  extends Pick<
    ProducerOptions,
    'lingerMs' | 'concurrency' | 'retryDeadlineMs' | 'maxBufferedRecords' | 'backoffBaseMs' | 'backoffCapMs'
  > {
  source: IngestSource;
  client: PutRecordsClient;
  streamName: string;
  /** Where given-up records go (created only when needed). */
  givenUpFile: string;
  /** The directory the default given-up file lives under (see GivenUpFile); none for a path the user chose. */
  givenUpOwner?: string;
  /** Aborting stops the source; what is buffered is still flushed. */
  signal: AbortSignal;
  /** Stop reading the source once this many posts were accepted (all of them are then sent). */
  maxPosts?: number;
  onBadLine?: (bad: BadInput) => void;
  /** A notice the source read (an X stream notice or error object): counted, never sent. */
  onNotice?: (notice: SourceNotice) => void;
  /** Something the user should know: a rejected record, records given up. */
  onWarning?: (message: string) => void;
  /** Who signs the calls, for the summary (default: the operator). */
  identity?: IngestIdentity;
}

export interface IngestProgress extends ProducerStats {
  badLines: number;
  /** Notices by kind (see IngestSummary.notices). */
  notices: Record<string, number>;
  /** A billed source's posts read and estimated spend so far. */
  billing: BillingFigures | null;
  elapsedMs: number;
}

export interface IngestRun {
  /** Resolves with the summary (also after an interrupt); rejects with a UserError on a fatal error. */
  done: Promise<IngestSummary>;
  progress(): IngestProgress;
  /** Records accepted and not acknowledged right now. */
  unsentCount(): number;
  /**
   * Writes every unacknowledged record to the given-up file, synchronously (for the
   * second-Ctrl-C exit path), and returns how many and where.
   */
  saveUnsent(): { count: number; path: string | null };
}

export async function startIngest(options: IngestOptions): Promise<IngestRun> {
  const started = Date.now();
  const givenUp = new GivenUpFile(options.givenUpFile, options.givenUpOwner);
  const samples: BadInput[] = [];
  let badLines = 0;
  const notices: Record<string, number> = {};
  let saved = false;
  const producer = await KinesisProducer.create({
    client: options.client,
    streamName: options.streamName,
    lingerMs: options.lingerMs,
    concurrency: options.concurrency,
    retryDeadlineMs: options.retryDeadlineMs,
    maxBufferedRecords: options.maxBufferedRecords,
    backoffBaseMs: options.backoffBaseMs,
    backoffCapMs: options.backoffCapMs,
    onGiveUp: (records, reason) => {
      const unsavedBefore = givenUp.unsaved;
      givenUp.append(records);
      options.onWarning?.(
        givenUp.unsaved > unsavedBefore
          ? `gave up on ${records.length} record(s) (${reason}) and could not save them: ${givenUp.failure}`
          : `gave up on ${records.length} record(s) (${reason}); written to ${givenUp.path}`,
      );
    },
    onRejected: (_id, _bytes, reason) => options.onWarning?.(reason),
  });

  const billing = () => (options.source.billing ? billingFigures(options.source.billing) : null);
  let accepted = 0;

  const summarise = (interrupted: boolean): IngestSummary => {
    const s = producer.stats();
    const durationMs = Date.now() - started;
    return {
      source: options.source.name,
      stream: options.streamName,
      sent: s.sent,
      failed: s.rejected + givenUp.count + givenUp.unsaved,
      rejected: s.rejected,
      badLines,
      badLineSamples: samples,
      notices: { ...notices },
      retried: s.retried,
      givenUp: givenUp.count,
      givenUpFile: givenUp.pathIfWritten,
      unsaved: givenUp.unsaved,
      unsavedReason: givenUp.failure ?? null,
      resumeFromLine: givenUp.firstUnsavedLine ?? null,
      durationMs,
      recordsPerSecond: rate(s.sent, durationMs),
      bytesPerSecond: rate(s.bytesSent, durationMs),
      interrupted,
      maxPosts: options.maxPosts ?? null,
      billing: billing(),
      identity: options.identity ?? { as: 'operator', arn: null },
    };
  };

  const saveUnsent = () => {
    if (saved) return { count: 0, path: givenUp.pathIfWritten };
    saved = true;
    const unsent: ProducerRecord[] = producer.unsent();
    givenUp.append(unsent);
    return { count: unsent.length, path: givenUp.pathIfWritten };
  };

  const failed = (error: unknown) => {
    producer.close();
    const { count, path } = saveUnsent();
    return kinesisError(error, options.streamName, count, path);
  };

  const run = async (): Promise<IngestSummary> => {
    let sourceError: unknown;
    try {
      for await (const item of options.source.items(options.signal)) {
        if (item.kind === 'notice') {
          const label = noticeLabel(item.notice);
          notices[label] = (notices[label] ?? 0) + 1;
          options.onNotice?.(item.notice);
          continue;
        }
        if (item.kind === 'bad') {
          badLines += 1;
          if (samples.length < BAD_LINE_SAMPLES) samples.push(item.bad);
          options.onBadLine?.(item.bad);
          continue;
        }
        try {
          if (await producer.put(item.event, item.line)) accepted += 1;
        } catch (error) {
          throw new ProducerFailure(failed(error));
        }
        item.handed?.();
        if (options.signal.aborted) break;
        // Leaving the loop closes the source (its connection, for a live one): nothing more is read.
        if (options.maxPosts !== undefined && accepted >= options.maxPosts) break;
      }
    } catch (error) {
      if (error instanceof ProducerFailure) throw error.cause;
      // The source failed (X refused us, the file became unreadable): still deliver what it gave.
      sourceError = error;
    }
    try {
      await producer.flush();
    } catch (error) {
      throw failed(error);
    }
    if (sourceError) throw sourceError;
    return summarise(options.signal.aborted);
  };

  return {
    done: run(),
    progress: () => ({
      ...producer.stats(),
      badLines,
      notices: { ...notices },
      billing: billing(),
      elapsedMs: Date.now() - started,
    }),
    unsentCount: () => producer.unsentCount,
    saveUnsent,
  };
}

/** A producer failure as one line the user can act on, saying what became of the unsent records. */
function kinesisError(error: unknown, stream: string, unsent: number, path: string | null): unknown {
  if (error instanceof UserError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  // Errors from the source (not the SDK) are not Kinesis' fault; let the command report them.
  if (!e?.$metadata && !/Exception|Error$/.test(e?.name ?? '')) return error;
  const kept = unsent > 0 ? ` ${unsent} unsent record(s) were written to ${path} (replay them with --file).` : '';
  if (e.name === 'ResourceNotFoundException') {
    return new UserError(`Stream ${stream} does not exist.${kept}`, {
      hint: 'Run `streamproc deploy` first, or pass --stream with an existing stream.',
      code: 'STREAM_NOT_FOUND',
      cause: error,
    });
  }
  const auth = /AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|Credentials/i.test(
    `${e.name} ${e.message}`,
  );
  return new UserError(`Kinesis refused PutRecords on ${stream}: ${e.name}: ${e.message ?? ''}.${kept}`, {
    hint: auth
      ? 'Check the AWS credentials and profile for this stack (`streamproc init`).'
      : 'Run again with --debug for details.',
    code: auth ? 'AWS_AUTH' : 'KINESIS',
    cause: error,
  });
}

/** Carries a producer failure past the source's catch block unchanged. */
class ProducerFailure extends Error {
  constructor(readonly cause: unknown) {
    super('producer failed');
  }
}

/**
 * A client signed with the stack's producer identity, read from its secret with the operator's
 * credentials once, and again if AWS refuses the key (a rotation), instead of the operator's own.
 */
async function producerClient(
  stack: ResolvedStack,
  settings: Omit<ClientSettings, 'service'>,
  endpoint: string | undefined,
  onWarning?: (message: string) => void,
): Promise<{ client: RereadingClient; identity: IngestIdentity }> {
  const key = await readProducerKey(stack);
  const client = await rereadingClient({
    key,
    clientFor: (k) =>
      createKinesisClient({
        ...settings,
        service: { endpoint, credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey } },
      }),
    reread: () => readProducerKey(stack),
    onRotated: () => onWarning?.(`the producer's key was refused; using the newer key from ${key.secretId}`),
  });
  return { client, identity: { as: 'producer', arn: (await producerArn(key)) ?? null } };
}
