// The messages between a function invoker and its worker process, over the IPC channel (JSON).

/** parent → child, once: load the bundle and find the handler. */
export interface InitMessage {
  type: 'init';
  bundlePath: string;
  handler: string;
}

/** What the worker turns into the handler's context object. */
export interface InvokeContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  /** Epoch ms; getRemainingTimeInMillis() counts down to it. */
  deadlineMs: number;
}

/** parent → child: one invocation; the next is sent only after its result. */
export interface InvokeMessage {
  type: 'invoke';
  id: string;
  event: unknown;
  context: InvokeContext;
}

export type InvokerMessage = InitMessage | InvokeMessage;

/** child → parent: the init outcome, then one result or error per invocation. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; errorType: string; errorMessage: string; trace?: string[] }
  | { type: 'result'; id: string; result: unknown }
  | { type: 'error'; id: string; errorType: string; errorMessage: string; trace?: string[] };
