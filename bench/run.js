#!/usr/bin/env node
// Runs every benchmark under bench/ (each prints one JSON line starting with {"bench":…} that
// carries a `report` array of {figure, measured, goal, met} rows, and a
// human summary), then writes one report: bench/results/latest.json and bench/results/latest.md.
// Usage: npm run bench [-- name ...]   (e.g. npm run bench -- startup ingest)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')))
  .sort();

function runOne(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, file)], {
      cwd: join(here, '..'),
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"bench":'));
      let result;
      try {
        result = line ? JSON.parse(line) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ file, code, seconds: (Date.now() - started) / 1000, result });
    });
  });
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()} ${arch()}`,
  node: process.version,
};
const runs = [];
for (const file of files) {
  process.stdout.write(`\n== ${file} ==\n`);
  runs.push(await runOne(file));
}

// Running a subset updates those benches in the last report and keeps the others' figures.
const latestPath = join(here, 'results', 'latest.json');
const previous = only.length > 0 && existsSync(latestPath) ? JSON.parse(readFileSync(latestPath, 'utf8')).benches : [];
const fresh = runs.map((r) => ({ ...r.result, file: r.file, exit: r.code, seconds: r.seconds }));
const benches = [...previous.filter((b) => !fresh.some((f) => f.file === b.file)), ...fresh].sort((a, b) =>
  a.file.localeCompare(b.file),
);
const report = { date: new Date().toISOString(), machine, benches };
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(latestPath, `${JSON.stringify(report, null, 2)}\n`);

const md = [
  `# Benchmarks — ${report.date.slice(0, 10)}`,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}.`,
  'Each ratio compares figures measured in the same run; `npm run bench` regenerates this table.',
  '',
  '| bench | figure | measured | goal | met |',
  '|---|---|---|---|---|',
];
for (const bench of benches) {
  const name = bench.file.replace(/\.ts$/, '');
  if (!bench.report) {
    md.push(`| ${name} | — | failed (exit ${bench.exit}) | — | no |`);
    continue;
  }
  for (const row of bench.report) {
    const met = row.met === null || row.met === undefined ? '—' : row.met ? 'yes' : 'no';
    md.push(`| ${name} | ${row.figure} | ${row.measured} | ${row.goal} | ${met} |`);
  }
}
writeFileSync(join(here, 'results', 'latest.md'), `${md.join('\n')}\n`);
process.stdout.write(`\n${md.join('\n')}\n\nWrote bench/results/latest.json and bench/results/latest.md\n`);
process.exitCode = runs.some((r) => r.code !== 0) ? 1 : 0;
