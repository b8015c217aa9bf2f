/**
 * The AWS shared-credentials file (`~/.aws/credentials`, or AWS_SHARED_CREDENTIALS_FILE): one
 * profile section written or replaced, every other line — other profiles, comments — kept as it
 * was (an INI library round trip drops comments), the file written atomically with mode 0600.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';

export function credentialsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials');
}

const SECTION = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;

/** `text` with profile `name` set to exactly `values` (a marker comment above it), or appended. */
export function withProfile(text: string, name: string, values: Record<string, string>, marker: string): string {
  const lines = text.length > 0 ? text.replace(/\r\n/g, '\n').split('\n') : [];
  if (lines.at(-1) === '') lines.pop();
  const body = [`# ${marker}`, `[${name}]`, ...Object.entries(values).map(([k, v]) => `${k} = ${v}`)];
  const start = lines.findIndex((line) => SECTION.exec(line)?.[1] === name);
  if (start === -1) {
    if (lines.length > 0 && lines.at(-1)?.trim() !== '') lines.push('');
    return `${[...lines, ...body].join('\n')}\n`;
  }
  let end = start + 1;
  while (end < lines.length && !SECTION.test(lines[end] as string)) end += 1;
  // Trailing blank lines and comments before the next section belong to that section.
  while (end > start + 1 && /^\s*([#;].*)?$/.test(lines[end - 1] as string)) end -= 1;
  const from = start > 0 && lines[start - 1] === `# ${marker}` ? start - 1 : start;
  return `${[...lines.slice(0, from), ...body, ...lines.slice(end)].join('\n')}\n`;
}

/** Writes profile `name` into the shared-credentials file; returns the file's path. */
export async function writeProfile(
  name: string,
  values: Record<string, string>,
  marker: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const file = credentialsFilePath(env);
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  }
  await writeFileAtomic(file, withProfile(text, name, values, marker), 0o600);
  return file;
}

/** The profiles in `text` that carry `marker` on the line above their section (the ones streamproc wrote). */
export function markedProfiles(text: string, marker: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const names: string[] = [];
  lines.forEach((line, i) => {
    const name = SECTION.exec(line)?.[1];
    if (name !== undefined && i > 0 && lines[i - 1] === `# ${marker}`) names.push(name);
  });
  return names;
}

/** The shared-credentials file's text; empty when there is none. */
export async function readCredentialsFile(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    return await readFile(credentialsFilePath(env), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
