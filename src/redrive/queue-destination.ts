/** The aws target's on-failure destination: the stack's SQS dead-letter queue, read and emptied message by message. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { errorName, withRetries } from './aws-calls.js';
import type { DestinationEntry, FailureSource } from './destination.js';

export interface QueueOptions {
  client: Pick<SQSClient, 'send'>;
  queueUrl: string;
  /** Only look: receive with a zero visibility timeout and delete nothing. */
  dryRun?: boolean;
  /** How long a received message stays hidden while its batch is redriven. Default 300 s. */
  visibilityTimeoutSeconds?: number;
  /** Long-poll wait per ReceiveMessage. Default 1 s (an empty answer then means the queue is drained). */
  waitSeconds?: number;
  signal?: AbortSignal;
  backoffBaseMs?: number;
}

interface QueueEntry extends DestinationEntry {
  receiptHandle: string;
}

/**
 * Reads the dead-letter queue ten messages at a time. A message is received with a visibility
 * timeout long enough to redrive its batch and is deleted only after the batch's records were
 * accepted by the stream; one whose batch was not put back, or that a stopped run (Ctrl-C, an
 * error) still held, is made visible again at the end, so the next run sees it at once; after a
 * kill -9 it reappears by itself when its visibility timeout ends. `--dry-run` receives with a zero visibility timeout (nothing
 * hidden, nothing deleted) until it has seen as many messages as the queue reports, or three
 * receives in a row bring none it has not seen.
 */
export class DeadLetterQueue implements FailureSource {
  private readonly seen = new Set<string>();
  /** Received and neither deleted nor kept yet: made visible again if the run stops (Ctrl-C, an error). */
  private readonly inHand = new Map<string, QueueEntry>();
  private readonly kept: QueueEntry[] = [];
  private drained = false;
  /** Dry run: messages the queue said it held, and receives in a row that brought nothing new. */
  private expected?: number;
  private idleReceives = 0;

  constructor(private readonly options: QueueOptions) {}

  get location(): string {
    return this.options.queueUrl;
  }

  async next(): Promise<DestinationEntry[]> {
    if (this.drained) return [];
    const { GetQueueAttributesCommand, ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
    if (this.options.dryRun && this.expected === undefined) {
      const attributes = await this.call(() =>
        this.options.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: this.options.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        ),
      );
      this.expected = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
    }
    const answer = await this.call(() =>
      this.options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: this.options.waitSeconds ?? 1,
          VisibilityTimeout: this.options.dryRun ? 0 : (this.options.visibilityTimeoutSeconds ?? 300),
        }),
      ),
    );
    const fresh: QueueEntry[] = [];
    for (const message of answer.Messages ?? []) {
      const id = message.MessageId ?? message.ReceiptHandle ?? '';
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      const entry = { where: `message ${id}`, body: message.Body ?? '', receiptHandle: message.ReceiptHandle ?? '' };
      fresh.push(entry);
      if (!this.options.dryRun) this.inHand.set(entry.receiptHandle, entry);
    }
    if (!this.options.dryRun) {
      if (fresh.length === 0) this.drained = true;
      return fresh;
    }
    // Looking without hiding, SQS may answer the same messages again: keep receiving until every
    // message the queue reported was seen, or a few receives in a row brought nothing new.
    this.idleReceives = fresh.length === 0 ? this.idleReceives + 1 : 0;
    if (this.seen.size >= (this.expected ?? 0) || this.idleReceives >= 3) this.drained = true;
    if (fresh.length === 0 && !this.drained) return this.next();
    return fresh;
  }

  async remove(entry: DestinationEntry): Promise<boolean> {
    if (this.options.dryRun) return false;
    this.inHand.delete((entry as QueueEntry).receiptHandle);
    const { DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
    try {
      await this.call(() =>
        this.options.client.send(
          new DeleteMessageCommand({
            QueueUrl: this.options.queueUrl,
            ReceiptHandle: (entry as QueueEntry).receiptHandle,
          }),
        ),
      );
      return true;
    } catch (error) {
      // Deleted already, or received again elsewhere after our visibility timeout ran out: the
      // message is not ours to delete any more. Its records are back in the stream either way.
      if (staleReceipt(error)) return false;
      throw error;
    }
  }

  async keep(entry: DestinationEntry): Promise<void> {
    if (this.options.dryRun) return;
    this.inHand.delete((entry as QueueEntry).receiptHandle);
    this.kept.push(entry as QueueEntry);
  }

  async close(): Promise<{ remaining?: number }> {
    const { ChangeMessageVisibilityCommand, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    const release = [...this.kept.splice(0), ...this.inHand.values()];
    this.inHand.clear();
    for (const entry of release) {
      try {
        await this.options.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: this.options.queueUrl,
            ReceiptHandle: entry.receiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      } catch {
        // It becomes visible by itself when its timeout ends.
      }
    }
    if (this.options.dryRun) return { remaining: this.seen.size };
    try {
      const attributes = await this.options.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.options.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const a = attributes.Attributes ?? {};
      return {
        remaining: Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    } catch {
      return {};
    }
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    return withRetries(work, { signal: this.options.signal, baseMs: this.options.backoffBaseMs });
  }
}

/** DeleteMessage with a receipt handle that is no longer valid (expired, or the message is gone). */
export function staleReceipt(error: unknown): boolean {
  const name = errorName(error);
  const message = (error as { message?: string })?.message ?? '';
  return (
    name === 'ReceiptHandleIsInvalid' ||
    name === 'InvalidReceiptHandle' ||
    (name === 'InvalidParameterValue' && /receipt handle/i.test(message)) ||
    /receipt handle.*(expired|invalid)/i.test(message)
  );
}
