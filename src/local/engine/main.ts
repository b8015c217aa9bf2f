/**
 * Entry point of the detached engine process that `streamproc deploy` starts:
 *   node main.js --stack NAME --data-dir DIR --region REGION
 * Its stdout and stderr are the engine log file; every line it writes is JSON with a timestamp.
 * SIGTERM or SIGINT stop it cleanly (exit 0); a second engine for the same stack exits 3.
 * STREAMPROC_ENGINE_FUNCTION_ENV (a JSON object of strings), when set, extends the function's
 * environment, applied last; the reliability tests route the processor through a fault proxy so.
 */
import { parseArgs } from 'node:util';
import { packageVersion } from '../../package-root.js';
import { FUNCTION_ENV_VARIABLE, parseFunctionEnv } from './function-env.js';
import { FunctionLogFiles } from './function-log-files.js';
import { startEngine } from './lifecycle.js';
import { EngineAlreadyRunningError } from './state.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const debug = /streamproc/.test(process.env.DEBUG ?? '');

function log(event: Record<string, unknown>): void {
  const { level = 'info', ...rest } = event;
  if (level === 'debug' && !debug) return;
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...rest })}\n`);
}

const { values } = parseArgs({
  options: { stack: { type: 'string' }, 'data-dir': { type: 'string' }, region: { type: 'string' } },
});
if (!values.stack || !values['data-dir']) {
  process.stderr.write('usage: main.js --stack NAME --data-dir DIR [--region REGION]\n');
  process.exit(2);
}

log({ msg: 'engine starting', pid: process.pid, stack: values.stack, dataDir: values['data-dir'] });
// What functions print also goes to a rotating file per function (`streamproc logs` reads it).
const functionLogs = new FunctionLogFiles({
  stackRoot: values['data-dir'],
  onError: (error, file) => log({ level: 'error', msg: 'function log write failed', file, error: error.message }),
});
try {
  const engine = await startEngine({
    stack: values.stack,
    dataDir: values['data-dir'],
    region: values.region ?? 'us-east-1',
    log,
    functionLog: (line, meta) => {
      log({ msg: 'function', stream: meta.stream, shardId: meta.shardId, line });
      functionLogs.sink(line, meta);
    },
    versions: { streamproc: packageVersion() },
    functionEnv: parseFunctionEnv(process.env[FUNCTION_ENV_VARIABLE]),
  });
  const shutdown = (signal: string) => {
    engine.stop(signal).then(
      () => process.exit(0),
      (error: Error) => {
        log({ level: 'error', msg: 'shutdown failed', error: error.stack ?? error.message });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {});
  process.on('uncaughtException', (error) => {
    // State after an uncaught exception is unknown: stop cleanly; the next deploy restarts the
    // engine from its data, which is what a crash would lead to anyway.
    log({ level: 'error', msg: 'uncaught exception', error: error.stack });
    engine.stop('uncaught exception').finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (error) =>
    log({ level: 'error', msg: 'unhandled rejection', error: (error as Error)?.stack ?? String(error) }),
  );
} catch (error) {
  if (error instanceof EngineAlreadyRunningError) {
    log({ level: 'error', msg: error.message });
    process.stderr.write(`${error.message}\n`);
    process.exit(3);
  }
  log({ level: 'error', msg: 'engine failed to start', error: (error as Error).stack ?? String(error) });
  process.exit(1);
}
