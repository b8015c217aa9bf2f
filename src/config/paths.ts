/** Where settings and per-stack data live (XDG and platform conventions, env overrides). */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where streamproc keeps its settings: `STREAMPROC_CONFIG_DIR`, else the platform's convention
 * (XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Preferences on macOS, %APPDATA% on Windows).
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMPROC_CONFIG_DIR) return env.STREAMPROC_CONFIG_DIR;
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Preferences', 'streamproc');
  if (process.platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'streamproc');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'streamproc');
}

export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'config.json');
}

/**
 * Where the local engine keeps stream and table data, checkpoints and logs: `STREAMPROC_DATA_DIR`,
 * else XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support on macOS,
 * %LOCALAPPDATA% on Windows.
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMPROC_DATA_DIR) return env.STREAMPROC_DATA_DIR;
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'streamproc');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'streamproc');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'streamproc');
}

/** One directory per stack under the data directory. */
export function stackDataDir(stack: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), 'stacks', stack);
}
