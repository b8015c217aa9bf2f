// The function worker's runtime contract, through the invoker and alone: callbacks, errors, console, exit.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionInvoker, type InvocationOutcome } from '../../../src/local/mapping/function-invoker.js';
import { toKinesisEvent } from '../../../src/local/mapping/kinesis-event.js';
import { functionWorkerFile } from '../../../src/local/mapping/worker-entry.js';
import type { InvokeContext, InvokerMessage, WorkerMessage } from '../../../src/local/mapping/worker-protocol.js';
import { fn, HANDLERS } from '../../helpers/mapping-harness.js';
import { waitUntil } from '../../helpers/wait.js';

const IDENTITY = {
  shardId: 'shardId-000000000000',
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  region: 'us-east-1',
  invokeIdentityArn: 'arn:aws:iam::000000000000:role/r',
};

/** A one-record event whose data tells runtime-contract.mjs what to do. */
function event(mode: string) {
  const data = Buffer.from(mode).toString('base64');
  return toKinesisEvent([{ sequenceNumber: '1', partitionKey: 'pk', data, arrivalMs: 0, eventBytes: 0 }], IDENTITY);
}

const invokers: FunctionInvoker[] = [];
const workers: ChildProcess[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) if (worker.exitCode === null) worker.kill('SIGKILL');
  await Promise.all(invokers.splice(0).map((invoker) => invoker.close()));
});

function contractInvoker(handler = 'handler') {
  const lines: { line: string; stream: string }[] = [];
  const invoker = new FunctionInvoker({
    fn: fn('runtime-contract.mjs', {}, { handler }),
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-processor',
    functionLog: (line, meta) => lines.push({ line, stream: meta.stream }),
  });
  invokers.push(invoker);
  return { invoker, lines };
}

const errorOf = (outcome: InvocationOutcome) =>
  outcome.status === 'error' ? { errorType: outcome.errorType, errorMessage: outcome.errorMessage } : outcome;

describe('function worker', () => {
  it('runs callback-style handlers, resolving with the value called back or the promise returned', async () => {
    // Prepare
    const { invoker } = contractInvoker();

    // Act
    const viaCallback = await invoker.invoke(event('callback'));
    const viaPromise = await invoker.invoke(event('promise'));
    const calledBackError = await invoker.invoke(event('callback-error'));

    // Assess
    expect(viaCallback).toMatchObject({
      status: 'success',
      result: { via: 'callback', requestId: viaCallback.requestId },
    });
    expect(viaPromise).toMatchObject({ status: 'success', result: { via: 'promise' } });
    expect(errorOf(calledBackError)).toEqual({ errorType: 'TypeError', errorMessage: 'bad input' });
  });

  it('reports a thrown error by its name, logs it as Lambda does, and keeps the environment warm', async () => {
    // Prepare
    const { invoker, lines } = contractInvoker();

    // Act
    const thrown = await invoker.invoke(event('throws'));
    const after = await invoker.invoke(event('promise'));

    // Assess
    expect(errorOf(thrown)).toEqual({ errorType: 'RangeError', errorMessage: 'boom' });
    expect(thrown.status === 'error' && thrown.trace?.[0]).toBe('RangeError: boom');
    expect(lines.map((l) => l.line)).toContainEqual(
      expect.stringMatching(new RegExp(`\\t${thrown.requestId}\\tERROR\\tInvoke Error \\{"errorType":"RangeError"`)),
    );
    expect(after.status).toBe('success');
    expect(lines.filter((l) => l.line.startsWith('INIT_REPORT'))).toHaveLength(1);
  });

  it('fails a result that cannot be serialised with Runtime.MarshalError', async () => {
    // Prepare
    const { invoker } = contractInvoker();

    // Act
    const outcome = await invoker.invoke(event('unmarshalable'));

    // Assess
    expect(errorOf(outcome)).toEqual({
      errorType: 'Runtime.MarshalError',
      errorMessage: 'Unable to stringify response body',
    });
  });

  it('fails every invocation with Runtime.HandlerNotFound when the export is missing', async () => {
    // Prepare
    const { invoker } = contractInvoker('missing');

    // Act
    const outcome = await invoker.invoke(event('promise'));

    // Assess
    expect(errorOf(outcome)).toEqual({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'runtime-contract.missing is undefined or not exported',
    });
  });

  it("writes console output in Lambda's format: time, request id, level, and '\\r' inside one call", async () => {
    // Prepare
    const worker = await startWorker();

    // Act
    const result = await worker.next({ type: 'invoke', id: 'req-1', event: event('logs'), context: CONTEXT });

    // Assess: read raw, before the invoker splits lines. The result comes over IPC and the output
    // through the stdout pipe: on a busy machine the pipe's bytes can arrive after the result.
    expect(result).toEqual({ type: 'result', id: 'req-1', result: 'logged' });
    await waitUntil(() => worker.stdout().endsWith('careful 2\n'), 10_000, "the worker's console output", 10);
    expect(worker.stdout()).toMatch(
      /^\d{4}-\d{2}-\d{2}T[\d:.]+Z\treq-1\tINFO\tfirst\rsecond\n[^\n]+\treq-1\tWARN\tcareful 2\n$/,
    );
  });

  it('exits when its parent disconnects, so no environment outlives its runner', { timeout: 10_000 }, async () => {
    // Prepare: a handler left a timer running, which alone would keep the process alive.
    const worker = await startWorker();
    await worker.next({ type: 'invoke', id: 'req-1', event: event('linger'), context: CONTEXT });
    const exited = once(worker.child, 'exit');

    // Act
    worker.child.disconnect();

    // Assess
    expect(await exited).toEqual([0, null]);
  });
});

const CONTEXT: InvokeContext = {
  functionName: 'test-processor',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-processor',
  memoryLimitInMB: '128',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/test-processor',
  logStreamName: 'stream',
  deadlineMs: Date.now() + 60_000,
};

/** The worker module started as the invoker starts it, ready with runtime-contract.mjs. */
async function startWorker() {
  const child = spawn(process.execPath, [functionWorkerFile()], {
    cwd: HANDLERS,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    serialization: 'json',
  });
  workers.push(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const next = async (message: InvokerMessage): Promise<WorkerMessage> => {
    const reply = once(child, 'message');
    child.send(message);
    return ((await reply) as [WorkerMessage])[0];
  };
  const ready = await next({ type: 'init', bundlePath: join(HANDLERS, 'runtime-contract.mjs'), handler: 'handler' });
  expect(ready).toEqual({ type: 'ready' });
  return { child, next, stdout: () => stdout };
}
