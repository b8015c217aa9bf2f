// Entry point of a function's execution environment: loads the handler, runs the invocations sent over IPC.

import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import type { InitMessage, InvokeContext, InvokeMessage, InvokerMessage, WorkerMessage } from './worker-protocol.js';

/**
 * The local stand-in for a Lambda execution environment, one Node.js process per environment:
 * its own environment variables, time zone, heap limit and module graph, so a handler that
 * hangs, leaks or calls process.exit cannot take the engine down. One process stays warm
 * between invocations, as Lambda reuses an environment. The invoker starts it with the bundle's
 * directory as working directory; it imports nothing at run time but Node.js built-ins, so the
 * handler's module graph is its own. The protocol is in worker-protocol.ts.
 */

/** The context object Lambda's Node.js runtime hands a handler. */
type HandlerContext = Omit<InvokeContext, 'deadlineMs'> & {
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
};

type Handler = (
  event: unknown,
  context: HandlerContext,
  callback?: (error: unknown, value?: unknown) => void,
) => unknown;

let handler: Handler | undefined;
let currentRequestId: string | undefined;

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

// Lambda's Node.js runtime prefixes console output with time, request id and level, and turns
// newlines inside one call into '\r' so that one call stays one log event.
const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' } as const;
for (const [method, level] of Object.entries(levels) as [keyof typeof levels, string][]) {
  console[method] = (...args: unknown[]) => {
    const message = format(...args).replace(/\r?\n/g, '\r');
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}\n`);
  };
}

function describeError(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

async function init(message: InitMessage): Promise<void> {
  const moduleName = basename(message.bundlePath, extname(message.bundlePath));
  let loaded: Record<string, unknown>;
  try {
    // By absolute file URL: the bundle lies anywhere, and a path is not a module specifier.
    loaded = await import(pathToFileURL(message.bundlePath).href);
  } catch (error) {
    const described = describeError(error);
    return send({
      type: 'init-error',
      errorType: 'Runtime.ImportModuleError',
      errorMessage: `${described.errorType}: ${described.errorMessage}`,
      trace: described.trace,
    });
  }
  // A CommonJS bundle's exports arrive as the default export.
  const fallback = loaded.default as Record<string, unknown> | null | undefined;
  const candidate = loaded[message.handler] ?? fallback?.[message.handler];
  if (typeof candidate !== 'function') {
    return send({
      type: 'init-error',
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `${moduleName}.${message.handler} is undefined or not exported`,
      trace: [],
    });
  }
  handler = candidate as Handler;
  return send({ type: 'ready' });
}

/** Runs a handler either way Lambda's Node.js runtime does: returning a promise, or calling back. */
async function run(fn: Handler, event: unknown, context: HandlerContext): Promise<unknown> {
  if (fn.length < 3) return fn(event, context);
  return new Promise((resolve, reject) => {
    const returned = fn(event, context, (error, value) => (error ? reject(error) : resolve(value)));
    if (returned && typeof (returned as PromiseLike<unknown>).then === 'function')
      (returned as PromiseLike<unknown>).then(resolve, reject);
  });
}

async function invoke(message: InvokeMessage): Promise<void> {
  const c = message.context;
  currentRequestId = c.awsRequestId;
  const context: HandlerContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: c.memoryLimitInMB,
    awsRequestId: c.awsRequestId,
    logGroupName: c.logGroupName,
    logStreamName: c.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, c.deadlineMs - Date.now()),
  };
  try {
    if (!handler) throw new Error('invoked before the handler was loaded');
    const result = await run(handler, message.event, context);
    let payload: unknown;
    try {
      payload = result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch {
      return await send({
        type: 'error',
        id: message.id,
        errorType: 'Runtime.MarshalError',
        errorMessage: 'Unable to stringify response body',
        trace: [],
      });
    }
    await send({ type: 'result', id: message.id, result: payload });
  } catch (error) {
    const described = describeError(error);
    console.error('Invoke Error', JSON.stringify(described));
    await send({ type: 'error', id: message.id, ...described });
  } finally {
    currentRequestId = undefined;
  }
}

process.on('message', (message: InvokerMessage | undefined) => {
  if (message?.type === 'init') void init(message);
  else if (message?.type === 'invoke') void invoke(message);
});
// The engine went away: an execution environment never outlives its runner.
process.on('disconnect', () => process.exit(0));
