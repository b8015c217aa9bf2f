/** The target interface (local engine or AWS) and the endpoint types; no implementation imports. */
import type { Target } from './config/settings.js';
import type { ResolvedStack } from './config/store.js';
import type { Reporter } from './progress.js';

/**
 * What every command needs from a target (local engine or AWS), and nothing else: commands never
 * branch on the target beyond `targetFor(settings)`.
 */

/** Client settings for one AWS-compatible service endpoint. */
export interface ServiceEndpoint {
  /** Endpoint override (the local emulators, moto, a private endpoint); undefined for AWS. */
  endpoint?: string;
  /** Static credentials (the local engine's dummy ones); undefined means the standard chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Where the pipeline's data lives, resolved by the target from settings or the engine's state. */
export interface PipelineEndpoints {
  target: Target;
  stack: string;
  region: string;
  /** AWS profile for the standard credential chain (aws target). */
  profile?: string;
  streamName: string;
  tableName: string;
  kinesis: ServiceEndpoint;
  dynamodb: ServiceEndpoint;
  /**
   * Where the event source mapping puts the batches it gave up on (its on-failure destination):
   * the local engine's file, or the stack's SQS dead-letter queue. Undefined when not known.
   */
  failures?: FailureDestinationRef;
}

/** An on-failure destination: the local engine's JSONL file, or an SQS queue. */
export type FailureDestinationRef =
  | { kind: 'file'; path: string }
  | { kind: 'sqs'; queueUrl: string; service: ServiceEndpoint };

/** A question a deploy needs answered (for example before replacing a resource on AWS). */
export interface ConfirmQuestion {
  message: string;
  /** Flag that answers it without a terminal, e.g. `--yes`. */
  flag: string;
  /** The logical ids the question is about (deleted or replaced), when it is about resources. */
  resources?: string[];
}

export interface DeployOptions {
  stack: ResolvedStack;
  /**
   * Every template parameter with a value, resolved and checked once by the deploy service
   * (`stack/deploy.ts`); a target adds only what is its own (the code location on AWS).
   */
  parameters: Record<string, string>;
  /** A custom processor source file (TypeScript or JavaScript) to bundle instead of the built-in one. */
  processorEntry?: string;
  /**
   * AWS: keep the processor code the stack runs (its CodeS3Key) instead of bundling the built-in
   * one, for updates that are not about code (`producer rotate`). Ignored for a stack not yet created.
   */
  keepProcessorCode?: boolean;
  /**
   * The second consumer's handler source (TypeScript or JavaScript) to bundle and run on the same
   * stream; `false` removes the consumer; undefined keeps whatever consumer is deployed.
   */
  consumerEntry?: string | false;
  reporter: Reporter;
  /** Asks the user; rejects with a UsageError when nobody can answer and the flag was not given. */
  confirm: (question: ConfirmQuestion) => Promise<boolean>;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

export type DeployStatus = 'created' | 'updated' | 'unchanged' | 'restarted';

export interface DeployResult {
  stack: string;
  target: Target;
  status: DeployStatus;
  /** What changed, one readable line each (empty when unchanged). */
  changes: string[];
  /** What exists now, as rows for a two-column table (stream, shards, table, function, mapping, endpoints…). */
  resources: { name: string; value: string }[];
  /** Stack outputs by the template's output names (StreamName, TableName, FunctionName, …). */
  outputs: Record<string, string>;
  /** Template resources the target did not create, and why (local: IAM, log groups, SQS…). */
  skipped: { logicalId: string; type: string; reason: string }[];
  /** Target-specific data for `--json` (change set, endpoints, data directory…). */
  details: Record<string, unknown>;
}

export interface TeardownOptions {
  stack: ResolvedStack;
  /** Keep the local data directory (local target). */
  keepData: boolean;
  reporter: Reporter;
  signal: AbortSignal;
}

export interface TeardownResult {
  stack: string;
  target: Target;
  /** False when there was nothing to delete (a success that says so). */
  existed: boolean;
  /** What was removed, one readable line each. */
  deleted: string[];
  /** Data left in place on purpose (path), if any. */
  keptData?: string;
}

export interface StackDescription {
  exists: boolean;
  /** What a teardown would delete, one readable line each (names, item counts, data directory). */
  resources: string[];
  /** Approximate number of items in the table, when known. */
  approximateItems?: number;
}

export interface StackTarget {
  deploy(options: DeployOptions): Promise<DeployResult>;
  teardown(options: TeardownOptions): Promise<TeardownResult>;
  describe(stack: ResolvedStack): Promise<StackDescription>;
  /**
   * The stream, table and client settings for ingest and browse; a UserError saying what to run
   * when the stack is not deployed (or the local engine is not running).
   */
  endpoints(stack: ResolvedStack): Promise<PipelineEndpoints>;
}
