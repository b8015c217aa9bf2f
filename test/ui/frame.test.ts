/** Colour decisions and the console reporter's steps. */
import { describe, expect, it } from 'vitest';
import { silentReporter } from '../../src/progress.js';
import { consoleReporter } from '../../src/ui/console-reporter.js';
import { colorEnabled, painter, stripAnsi } from '../../src/ui/style.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

/** A stream double that keeps what is written. */
function sink() {
  const chunks: string[] = [];
  const stream = { isTTY: false, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

describe('colour decisions', () => {
  it('colours a terminal, not a pipe, and never with NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
  });

  it('paints only when enabled', () => {
    expect(painter(false).red('x')).toBe('x');
    const red = painter(true).red('x');
    expect(red).not.toBe('x');
    expect(stripAnsi(red)).toBe('x');
  });
});

describe('reporters', () => {
  it('prints one plain line per finished step in a pipe, and marks a failed step', async () => {
    const out = sink();
    const reporter = consoleReporter({ stream: out.stream, interactive: false, color: false });

    const value = await reporter.step('Create stream', async () => 42);
    await expect(reporter.step('Create table', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    reporter.warn('careful');

    expect(value).toBe(42);
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^✔ Create stream \(\d+\.\ds\)$/);
    expect(lines[1]).toMatch(/^✖ Create table failed \(\d+\.\ds\)$/);
    expect(lines[2]).toBe('! careful');
    expect(out.text()).not.toContain('\u001B[');
  });

  it('the silent reporter (used with --json) runs the work and prints nothing', async () => {
    expect(await silentReporter.step('x', async () => 'done')).toBe('done');
  });
});
