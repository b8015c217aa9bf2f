/** The detached engine starts with only what it needs from the shell: no X tokens, no AWS keys. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginePaths } from '../../../src/local/engine/paths.js';
import { engineEnvironment, launchEngine, stopEngine } from '../../../src/local/target/engine-launcher.js';

const secrets = {
  TWITTER_BEARER_TOKEN: 'FAKEBEARER-0123456789',
  TWITTER_API_SECRET: 'FAKEAPISECRET-0123456789',
  AWS_SECRET_ACCESS_KEY: 'FAKEAWSSECRET-0123456789',
  STREAMPROC_X_POST_COST_USD: '0.005',
};

describe('the engine environment', () => {
  it('keeps what Node.js and the engine need and drops everything else', () => {
    const env = engineEnvironment({
      ...secrets,
      PATH: '/usr/bin',
      HOME: '/root',
      STREAMPROC_ENGINE_FUNCTION_ENV: '{}',
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root', STREAMPROC_ENGINE_FUNCTION_ENV: '{}' });
  });

  it.runIf(process.platform === 'linux')('is all a running engine process carries', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'engine-env-'));
    const paths = enginePaths(root);
    try {
      // Act
      const engine = await launchEngine({
        stack: 'envcheck',
        region: 'us-east-1',
        paths,
        env: { ...process.env, ...secrets },
      });
      // Assess
      const environ = readFileSync(`/proc/${engine.state.pid}/environ`, 'utf8').split('\0');
      const names = environ.map((entry) => entry.slice(0, entry.indexOf('=')));
      expect(names.filter((name) => name.startsWith('TWITTER_') || name.startsWith('AWS_SECRET'))).toEqual([]);
      for (const value of Object.values(secrets)) expect(environ.join('\n')).not.toContain(value);
    } finally {
      await stopEngine(paths);
      await rm(root, { recursive: true, force: true });
    }
  });
});
