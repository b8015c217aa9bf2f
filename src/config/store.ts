/** The settings file: read (with file:line errors), resolve a stack, update atomically with mode 0600. */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { UserError } from '../errors.js';
import { configFile, stackDataDir } from './paths.js';
import {
  DEFAULT_STACK_NAME,
  defaultStackSettings,
  emptySettings,
  type SettingsFile,
  type StackSettings,
  settingsProblems,
} from './settings.js';
import { stackNameProblem } from './stack-name.js';

/** Far above any real settings file (a few KiB), far below what would stall a command reading it. */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Finds the line a JSON.parse error points at (Node reports "position N" or "line L column C"). */
function locateJsonError(text: string, error: Error): { line: number; column: number } | undefined {
  const lineCol = /line (\d+) column (\d+)/.exec(error.message);
  if (lineCol) return { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  const position = /position (\d+)/.exec(error.message);
  if (position) return lineAndColumn(text, Number(position[1]));
  if (/Unexpected end of JSON input/.test(error.message)) return lineAndColumn(text, text.length);
  // "Unexpected token 'F', ..."erToken": FAKE"... is not valid JSON": V8 gives no position, only
  // up to ten characters either side of the token; finding them in the text gives the place.
  const token = /^Unexpected token '(.)', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s.exec(error.message);
  const context = token?.[3];
  if (token && context) {
    const start = text.indexOf(context);
    if (start >= 0) return lineAndColumn(text, start + (token[2] ? 10 : context.indexOf(token[1] as string)));
  }
  return undefined;
}

/** Reads the settings file; a missing file is empty settings, a broken one a UserError naming file and line. */
export async function loadSettings(file: string = configFile()): Promise<SettingsFile> {
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_SETTINGS_BYTES) {
      throw new UserError(
        `Settings file ${file} is ${(size / 1024 / 1024).toFixed(1)} MiB; a settings file is at most ${MAX_SETTINGS_BYTES / 1024} KiB`,
        {
          hint: 'It is not a streamproc settings file: move it away and run `streamproc init` again.',
          code: 'CONFIG_TOO_LARGE',
        },
      );
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptySettings();
    throw new UserError(`Cannot read settings file ${file}: ${(error as Error).message}`, {
      hint: 'Check the file permissions, or point STREAMPROC_CONFIG_DIR elsewhere.',
      code: 'CONFIG_UNREADABLE',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the break, which can be a token (or, through a symlink,
    // another file's first bytes): only the place is reported.
    const at = locateJsonError(text, error as Error);
    const where = at ? `${file}:${at.line}:${at.column}` : file;
    throw new UserError(`Settings file ${where} is not valid JSON`, {
      hint: `Fix that line by hand, or move the file away and run \`streamproc init\` again.`,
      code: 'CONFIG_CORRUPT',
    });
  }
  const problems = settingsProblems(parsed);
  if (problems.length > 0) {
    throw new UserError(`Settings file ${file} is not usable: ${problems.slice(0, 3).join('; ')}`, {
      hint: 'Fix those fields by hand, or move the file away and run `streamproc init` again.',
      code: 'CONFIG_INVALID',
    });
  }
  return parsed as SettingsFile;
}

/**
 * Writes the settings atomically (temporary file, fsync, rename) with mode 0600 in a 0700
 * directory, so that a crash never leaves a half-written file and tokens are readable by the
 * owner only.
 */
export async function saveSettings(settings: SettingsFile, file: string = configFile()): Promise<void> {
  const dir = dirname(file);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await writeFileAtomic(file, `${JSON.stringify(settings, null, 2)}\n`, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') throw error;
    throw new UserError(
      `Cannot save the settings: ${dir} is ${code === 'EROFS' ? 'on a read-only file system' : 'not writable'}`,
      {
        hint: 'Make it writable, or point STREAMPROC_CONFIG_DIR at a directory you can write.',
        code: 'CONFIG_READ_ONLY',
        cause: error,
      },
    );
  }
}

export interface ResolvedStack {
  /** The stack's name (also the CloudFormation stack name). */
  name: string;
  settings: StackSettings;
  /** False when the stack is not in the settings file and built-in defaults are used. */
  configured: boolean;
  file: string;
}

/**
 * Picks the stack a command works on: `--stack`, else `STREAMPROC_STACK`, else the file's
 * default, else `streamproc`. A stack that was named explicitly must exist in the settings, except
 * on a machine with no settings at all, for the built-in `streamproc` stack, and for a local stack
 * that has data on disk: there the built-in local defaults apply, so a first-time user can
 * `deploy` without running `init`, and a stack deployed before `init` can still be torn down.
 */
export async function resolveStack(
  requested: string | undefined,
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ResolvedStack> {
  const env = options.env ?? process.env;
  const file = options.file ?? configFile(env);
  const settings = await loadSettings(file);
  const explicit = requested ?? env.STREAMPROC_STACK;
  const name = explicit ?? settings.defaultStack ?? DEFAULT_STACK_NAME;
  const problem = stackNameProblem(name);
  if (problem) throw new UserError(problem, { hint: 'Pass --stack with a valid name.', exit: 2, code: 'STACK_NAME' });
  const stored = settings.stacks[name];
  if (stored) return { name, settings: stored, configured: true, file };
  const known = Object.keys(settings.stacks);
  // The built-in stack, and a local stack deployed before any init, stay reachable by name.
  const unconfiguredButReal = name === DEFAULT_STACK_NAME || existsSync(stackDataDir(name, env));
  if (explicit !== undefined && known.length > 0 && !unconfiguredButReal) {
    throw new UserError(`No stack named "${name}" in ${file} (known: ${known.join(', ')})`, {
      hint: `Run \`streamproc init --stack ${name}\` to create it, or pick one of the known stacks.`,
      code: 'STACK_UNKNOWN',
    });
  }
  return { name, settings: defaultStackSettings(), configured: false, file };
}

/** Reads, changes and writes back one stack's settings (used by init and by deploy's outputs). */
export async function updateStackSettings(
  name: string,
  change: (current: StackSettings | undefined) => StackSettings,
  options: { file?: string; makeDefault?: boolean } = {},
): Promise<SettingsFile> {
  const file = options.file ?? configFile();
  const settings = await loadSettings(file);
  const before = JSON.stringify(settings);
  settings.stacks[name] = change(settings.stacks[name]);
  if (options.makeDefault || settings.defaultStack === undefined) settings.defaultStack = name;
  // Nothing changed (a no-op deploy): no write, so a read-only settings directory is no obstacle.
  if (JSON.stringify(settings) !== before) await saveSettings(settings, file);
  return settings;
}
