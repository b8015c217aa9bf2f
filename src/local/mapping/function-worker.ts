/**
 * The program that runs a function's handler in its own Node.js process, the local stand-in for
 * a Lambda execution environment: its own environment variables, time zone, heap limit and
 * module graph, so a handler that hangs, leaks or calls process.exit cannot take the engine down.
 * One process stays warm between invocations, as Lambda reuses an environment.
 *
 * It is kept as source text (run with `node --input-type=module -e`) rather than as a module
 * file because the runner executes both from `src/` under vitest and from `dist/` when built,
 * and a plain-JavaScript child must not depend on a TypeScript loader or on the build layout.
 *
 * Protocol over the IPC channel (JSON):
 *   parent → child  {type:'init', bundlePath, handler}
 *                   {type:'invoke', id, event, context:{…, deadlineMs}}
 *   child → parent  {type:'ready'} | {type:'init-error', errorType, errorMessage, trace}
 *                   {type:'result', id, result} | {type:'error', id, errorType, errorMessage, trace}
 */
export const FUNCTION_WORKER_SOURCE = String.raw`
import { format } from 'node:util';
import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';

let handler;
let currentRequestId;

const send = (message) =>
  new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send(message, () => resolve());
  });

// Lambda's Node.js runtime prefixes console output with time, request id and level, and turns
// newlines inside one call into '\r' so that one call stays one log event.
const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
for (const [method, level] of Object.entries(levels)) {
  console[method] = (...args) => {
    const message = format(...args).replace(/\r?\n/g, '\r');
    process.stdout.write(new Date().toISOString() + '\t' + (currentRequestId ?? 'undefined') + '\t' + level + '\t' + message + '\n');
  };
}

function describe(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: String(error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

async function init(message) {
  const moduleName = basename(message.bundlePath, extname(message.bundlePath));
  let loaded;
  try {
    loaded = await import(pathToFileURL(message.bundlePath).href);
  } catch (error) {
    const described = describe(error);
    return send({ type: 'init-error', errorType: 'Runtime.ImportModuleError', errorMessage: described.errorType + ': ' + described.errorMessage, trace: described.trace });
  }
  const candidate = loaded[message.handler] ?? loaded.default?.[message.handler];
  if (typeof candidate !== 'function') {
    return send({ type: 'init-error', errorType: 'Runtime.HandlerNotFound', errorMessage: moduleName + '.' + message.handler + ' is undefined or not exported', trace: [] });
  }
  handler = candidate;
  return send({ type: 'ready' });
}

async function invoke(message) {
  const c = message.context;
  currentRequestId = c.awsRequestId;
  const context = {
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
    let result;
    if (handler.length >= 3) {
      result = await new Promise((resolve, reject) => {
        const returned = handler(message.event, context, (error, value) => (error ? reject(error) : resolve(value)));
        if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      });
    } else {
      result = await handler(message.event, context);
    }
    let payload;
    try {
      payload = result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      return await send({ type: 'error', id: message.id, errorType: 'Runtime.MarshalError', errorMessage: 'Unable to stringify response body', trace: [] });
    }
    await send({ type: 'result', id: message.id, result: payload });
  } catch (error) {
    const described = describe(error);
    console.error('Invoke Error', JSON.stringify(described));
    await send({ type: 'error', id: message.id, ...described });
  } finally {
    currentRequestId = undefined;
  }
}

process.on('message', (message) => {
  if (message?.type === 'init') void init(message);
  else if (message?.type === 'invoke') void invoke(message);
});
// The engine went away: an execution environment never outlives its runner.
process.on('disconnect', () => process.exit(0));
`;
