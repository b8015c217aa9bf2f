/**
 * Colours, only where a person is looking: a TTY, NO_COLOR unset, not `--json`. Pipes and files
 * always get plain text.
 */

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type StyleName = keyof typeof CODES;

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export type Paint = Record<StyleName, (text: string) => string>;

export function painter(enabled: boolean): Paint {
  const paint = {} as Paint;
  for (const [name, code] of Object.entries(CODES) as [StyleName, number][]) {
    paint[name] = enabled ? (text) => `\u001B[${code}m${text}\u001B[${code === 1 || code === 2 ? 22 : 39}m` : (t) => t;
  }
  return paint;
}

/** Removes ANSI escape sequences (for width calculations and for tests). */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
  return text.replace(/\u001B\[[0-9;]*[A-Za-z]/g, '');
}
