/** Ctrl-C at an init prompt (a terminal is the point: `script` gives the CLI a pseudo-terminal). */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDirs } from '../helpers/cli.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.log('skipping the init Ctrl-C test: `script` (util-linux) is not installed');

describe.runIf(hasScript)('init interrupted at a prompt', () => {
  it('exits 130 with one line and leaves no settings behind', async () => {
    // Prepare
    const dirs = await tempDirs();
    let child: ReturnType<typeof spawn> | undefined;
    try {
      child = spawn('script', ['-qfec', `${process.execPath} ${CLI} init --stack fresh`, '/dev/null'], {
        env: dirs.env({ TERM: 'xterm' }),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      const prompted = new Promise<void>((resolve) => {
        child?.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('navigate')) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child?.on('close', (code) => resolve(code)));
      // Act: Ctrl-C once the first question is on screen
      await prompted;
      child.stdin?.write('\u0003');
      const code = await exited;
      // Assess
      expect(code).toBe(130);
      expect(output).toContain('Interrupted at the prompt; nothing was changed');
      expect(output).not.toContain('Unexpected failure');
      expect(existsSync(join(dirs.configDir, 'config.json'))).toBe(false);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await dirs.cleanup();
    }
  });
});
