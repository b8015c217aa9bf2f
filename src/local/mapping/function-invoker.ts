// Invokes a function in its warm execution environment (a worker process): timeouts, crashes, platform logs.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { KinesisEvent } from './kinesis-event.js';
import { lambdaEnvironment } from './lambda-environment.js';
import type { FunctionLogSink, RunnerLog } from './reports.js';
import type { FunctionConfig } from './settings.js';
import { functionWorkerFile } from './worker-entry.js';
import type { InitMessage, InvokeMessage, WorkerMessage } from './worker-protocol.js';

/**
 * Invokes one function in one warm, isolated execution environment (a child Node.js process
 * running function-worker.ts). A timeout or crash kills the environment and the next
 * invocation starts a fresh one, as Lambda does; a handled error keeps it warm.
 */

export type InvocationOutcome =
  | { status: 'success'; requestId: string; result: unknown; durationMs: number }
  | {
      status: 'error';
      requestId: string;
      /** e.g. the thrown error's name, 'Sandbox.Timedout', 'Runtime.ExitError', 'Runtime.ImportModuleError'. */
      errorType: string;
      errorMessage: string;
      trace?: string[];
      durationMs: number;
    }
  | { status: 'aborted'; requestId: string };

export interface FunctionInvokerOptions {
  fn: FunctionConfig;
  functionArn: string;
  /** Shard the environment serves, for log lines. */
  shardId?: string;
  functionLog?: FunctionLogSink;
  log?: RunnerLog;
}

/** Lambda's limit on the init phase (module load) of an on-demand environment. */
const INIT_TIMEOUT_MS = 10_000;

interface Environment {
  child: ChildProcess;
  logStreamName: string;
  spawnedAt: number;
  ready: Promise<
    { ok: true; initMs: number } | { ok: false; errorType: string; errorMessage: string; trace?: string[] }
  >;
  usedOnce: boolean;
  exited: boolean;
}

interface InFlight {
  requestId: string;
  environment: Environment;
  settle: (outcome: InvocationOutcome) => void;
}

export class FunctionInvoker {
  private environment: Environment | undefined;
  private current: InFlight | undefined;

  constructor(private readonly options: FunctionInvokerOptions) {}

  /** Starts an environment ahead of the first invocation (Lambda would cold-start on it). */
  warm(): void {
    this.ensureEnvironment();
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  invoke(event: KinesisEvent): Promise<InvocationOutcome> {
    if (this.current) throw new Error('one invocation at a time per execution environment');
    const fn = this.options.fn;
    const requestId = randomUUID();
    const environment = this.ensureEnvironment();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;

    return new Promise<InvocationOutcome>((resolve) => {
      const settle = (outcome: InvocationOutcome): void => {
        if (this.current?.requestId !== requestId) return;
        this.current = undefined;
        clearTimeout(timer);
        if (outcome.status !== 'aborted') this.report(requestId, environment, outcome, started);
        resolve(outcome);
      };
      const fail = (errorType: string, errorMessage: string, trace?: string[]): void =>
        settle({ status: 'error', requestId, errorType, errorMessage, trace, durationMs: performance.now() - started });
      this.current = { requestId, environment, settle };

      timer = setTimeout(() => {
        this.kill(environment);
        fail('Sandbox.Timedout', 'Init phase timed out', []);
      }, INIT_TIMEOUT_MS);

      void environment.ready.then((init) => {
        if (this.current?.requestId !== requestId) return;
        clearTimeout(timer);
        if (!init.ok) {
          this.kill(environment);
          fail(init.errorType, init.errorMessage, init.trace);
          return;
        }
        const coldStart = !environment.usedOnce;
        environment.usedOnce = true;
        this.platformLog(`START RequestId: ${requestId} Version: $LATEST`);
        if (coldStart) this.platformLog(`INIT_REPORT Init Duration: ${init.initMs.toFixed(2)} ms`);
        const timeoutMs = fn.timeoutSeconds * 1000;
        timer = setTimeout(() => {
          const message = `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`;
          this.platformLog(`${new Date().toISOString()} ${requestId} ${message}`);
          this.kill(environment);
          fail('Sandbox.Timedout', message);
        }, timeoutMs);
        const message: InvokeMessage = {
          type: 'invoke',
          id: requestId,
          event,
          context: {
            functionName: fn.functionName,
            functionVersion: '$LATEST',
            invokedFunctionArn: this.options.functionArn,
            memoryLimitInMB: String(fn.memoryMb),
            awsRequestId: requestId,
            logGroupName: `/aws/lambda/${fn.functionName}`,
            logStreamName: environment.logStreamName,
            deadlineMs: Date.now() + timeoutMs,
          },
        };
        // The environment may have died since it said ready; its exit handler settles the
        // invocation, and a failed send must not become an unhandled error in the engine.
        if (environment.exited || !environment.child.connected) {
          this.kill(environment);
          fail('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited before the invocation`);
          return;
        }
        environment.child.send(message, (error) => {
          if (!error) return;
          this.kill(environment);
          fail('Runtime.ExitError', `RequestId: ${requestId} Error: ${error.message}`);
        });
      });
    });
  }

  /** Kills the environment under an in-flight invocation, which resolves as 'aborted'. */
  abort(): void {
    const current = this.current;
    if (!current) return;
    this.kill(current.environment);
    current.settle({ status: 'aborted', requestId: current.requestId });
  }

  async close(): Promise<void> {
    this.abort();
    const environment = this.environment;
    this.environment = undefined;
    if (environment && !environment.exited) {
      const exited = new Promise<void>((resolve) => environment.child.once('exit', () => resolve()));
      environment.child.kill('SIGKILL');
      await exited;
    }
  }

  private ensureEnvironment(): Environment {
    if (this.environment && !this.environment.exited) return this.environment;
    const fn = this.options.fn;
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const logStreamName = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const heapMb = Math.max(64, Math.floor(fn.memoryMb * 0.9));
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, functionWorkerFile()], {
      cwd: dirname(fn.bundlePath),
      env: lambdaEnvironment(fn, logStreamName),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const spawnedAt = performance.now();
    const environment: Environment = {
      child,
      logStreamName,
      spawnedAt,
      usedOnce: false,
      exited: false,
      ready: new Promise((resolve) => {
        child.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') resolve({ ok: true, initMs: performance.now() - spawnedAt });
          else if (message.type === 'init-error') resolve({ ok: false, ...message });
          else this.onResult(environment, message);
        });
        child.once('exit', () =>
          resolve({ ok: false, errorType: 'Runtime.ExitError', errorMessage: 'exited during init' }),
        );
      }),
    };
    for (const [stream, source] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
        this.options.functionLog?.(line, { stream, shardId: this.options.shardId, functionName: fn.functionName }),
      );
    }
    child.on('error', (error) =>
      this.options.log?.({ level: 'error', event: 'function-spawn-failed', error: error.message }),
    );
    child.once('exit', (code, signal) => {
      environment.exited = true;
      if (this.environment === environment) this.environment = undefined;
      const current = this.current;
      if (current && current.environment === environment) {
        const status = signal ? `signal ${signal}` : `exit status ${code}`;
        current.settle({
          status: 'error',
          requestId: current.requestId,
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${current.requestId} Error: Runtime exited with error: ${status}`,
          durationMs: 0,
        });
      }
    });
    // Errors surface through 'exit' (the ready promise and any invocation settle there).
    const init: InitMessage = { type: 'init', bundlePath: fn.bundlePath, handler: fn.handler ?? 'handler' };
    child.send(init, () => undefined);
    this.environment = environment;
    this.options.log?.({
      level: 'debug',
      event: 'function-environment-started',
      shardId: this.options.shardId,
      pid: child.pid,
    });
    return environment;
  }

  private onResult(environment: Environment, message: WorkerMessage): void {
    const current = this.current;
    if (!current || current.environment !== environment || !('id' in message) || message.id !== current.requestId)
      return;
    if (message.type === 'result') {
      current.settle({ status: 'success', requestId: current.requestId, result: message.result, durationMs: 0 });
    } else if (message.type === 'error') {
      current.settle({
        status: 'error',
        requestId: current.requestId,
        errorType: message.errorType,
        errorMessage: message.errorMessage,
        trace: message.trace,
        durationMs: 0,
      });
    }
  }

  private kill(environment: Environment): void {
    if (this.environment === environment) this.environment = undefined;
    if (!environment.exited) environment.child.kill('SIGKILL');
  }

  private report(requestId: string, environment: Environment, outcome: InvocationOutcome, started: number): void {
    if (outcome.status === 'aborted') return;
    outcome.durationMs = performance.now() - started;
    if (!environment.usedOnce) return;
    this.platformLog(`END RequestId: ${requestId}`);
    this.platformLog(
      `REPORT RequestId: ${requestId}\tDuration: ${outcome.durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(outcome.durationMs)} ms\tMemory Size: ${this.options.fn.memoryMb} MB`,
    );
  }

  private platformLog(line: string): void {
    this.options.functionLog?.(line, {
      stream: 'platform',
      shardId: this.options.shardId,
      functionName: this.options.fn.functionName,
    });
  }
}
