/**
 * CLI start-up: `streamproc --version` against a bare `node -e 0`, both measured here, now, on
 * this machine; the figure that matters is the ratio (goal ≤ 2.5×).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeRuns(args: string[]): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times;
}

// Interleave warm-up runs so that both commands see the same file-system cache state.
timeRuns(['-e', '0']);
timeRuns([join(ROOT, 'bin', 'run.js'), '--version']);
const bare = median(timeRuns(['-e', '0']));
const version = median(timeRuns([join(ROOT, 'bin', 'run.js'), '--version']));
const help = median(timeRuns([join(ROOT, 'bin', 'run.js'), '--help']));
const ratio = version / bare;

console.log(
  JSON.stringify({
    bench: 'startup',
    runs: RUNS,
    nodeBareMs: Number(bare.toFixed(1)),
    versionMs: Number(version.toFixed(1)),
    helpMs: Number(help.toFixed(1)),
    versionVsBareRatio: Number(ratio.toFixed(2)),
    report: [
      {
        figure: 'CLI start-up: streamproc --version vs node -e 0',
        measured: `${ratio.toFixed(2)}× (${version.toFixed(0)} vs ${bare.toFixed(0)} ms)`,
        goal: '≤ 2.5×',
        met: ratio <= 2.5,
      },
      { figure: 'streamproc --help', measured: `${help.toFixed(0)} ms`, goal: '—', met: null },
    ],
  }),
);
console.log(
  `startup: streamproc --version ${version.toFixed(0)} ms vs node -e 0 ${bare.toFixed(0)} ms ` +
    `(${ratio.toFixed(2)}×, goal ≤ 2.5×); --help ${help.toFixed(0)} ms (medians of ${RUNS})`,
);
