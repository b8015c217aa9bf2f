/** `init`'s Mastodon flags, and the token kept secret: file mode 0600, redacted in output, --json and errors. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubSecrets, secretValues } from '../../../src/config/redact.js';
import { tempDirs } from '../../helpers/cli.js';
import { runCommand } from '../../helpers/run-command.js';

const TOKEN = 'mstdn-secret-token-0123456789-abcd';

describe('init --mastodon-instance / --mastodon-token', () => {
  let dirs: Awaited<ReturnType<typeof tempDirs>>;
  beforeAll(async () => {
    dirs = await tempDirs();
  });
  afterAll(async () => {
    await dirs.cleanup();
  });

  it('stores the instance and the token (0600), and shows the token only redacted, in text and --json', async () => {
    const json = await runCommand(
      ['init', '--yes', '--mastodon-instance', 'fosstodon.org', '--mastodon-token', TOKEN, '--json'],
      { dirs },
    );
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).settings.mastodon).toEqual({
      instance: 'https://fosstodon.org',
      token: 'set (ends …abcd)',
    });
    const file = join(dirs.configDir, 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).stacks.streamproc.mastodon).toEqual({
      instance: 'https://fosstodon.org',
      token: TOKEN,
    });
    const text = await runCommand(['init', '--yes'], { dirs, env: { MASTODON_ACCESS_TOKEN: TOKEN } });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/mastodon token\s+│?\s*set \(ends …abcd\)/);
    for (const out of [json.stdout, json.stderr, text.stdout, text.stderr]) expect(out).not.toContain(TOKEN);
  });

  it('refuses an instance that is not an http(s) URL, in one line with a hint', async () => {
    const result = await runCommand(['init', '--yes', '--mastodon-instance', 'ftp://example.org'], { dirs });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Error: --mastodon-instance: "ftp://example.org" is not an http:// or https:// URL of an instance',
      'Hint: Pass a valid --mastodon-instance.',
    ]);
  });

  it('an empty --mastodon-token removes the token and keeps the instance', async () => {
    const result = await runCommand(['init', '--yes', '--mastodon-token', '', '--json'], { dirs });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).settings.mastodon).toEqual({
      instance: 'https://fosstodon.org',
      token: 'not set',
    });
  });

  it('counts the token among the secrets scrubbed from any error text', () => {
    const secrets = secretValues({ target: 'local', keywords: ['a'], retentionDays: 1, mastodon: { token: TOKEN } });
    expect(scrubSecrets(`GET /api/v1/streaming failed: Authorization: Bearer ${TOKEN}`, secrets)).toBe(
      'GET /api/v1/streaming failed: Authorization: Bearer [redacted]',
    );
  });
});
