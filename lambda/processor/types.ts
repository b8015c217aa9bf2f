/**
 * The small part of the Lambda event and context shapes the processor uses, declared here so
 * the bundle needs no `@types/aws-lambda`. Field names match what Lambda sends for a Kinesis
 * event source mapping, so the local engine's runner can construct the same objects.
 */

export interface KinesisRecordPayload {
  kinesisSchemaVersion: string;
  partitionKey: string;
  sequenceNumber: string;
  /** Base64 of the record bytes. */
  data: string;
  /** When Kinesis accepted the record, epoch seconds with a fractional part. */
  approximateArrivalTimestamp: number;
}

export interface KinesisStreamRecord {
  kinesis: KinesisRecordPayload;
  eventSource: string;
  eventVersion: string;
  /** `shardId-000000000000:<sequence number>`. */
  eventID: string;
  eventName: string;
  invokeIdentityArn?: string;
  awsRegion: string;
  eventSourceARN: string;
}

export interface KinesisStreamEvent {
  Records: KinesisStreamRecord[];
}

/** The subset of the Lambda context the handler reads. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
  functionName?: string;
}

export interface BatchItemFailure {
  /** The Kinesis sequence number of a record that was not written. */
  itemIdentifier: string;
}

/** Response for `FunctionResponseTypes: [ReportBatchItemFailures]`. */
export interface KinesisStreamBatchResponse {
  batchItemFailures: BatchItemFailure[];
}
