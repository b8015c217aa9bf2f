/** Secrets never reach an error: every encoding streamproc sends them in, and broken settings files. */
import { mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scrubSecrets, secretValues } from '../../src/config/redact.js';
import type { StackSettings } from '../../src/config/settings.js';
import { loadSettings, MAX_SETTINGS_BYTES } from '../../src/config/store.js';
import type { UserError } from '../../src/errors.js';

const twitter = {
  apiKey: 'FAKEAPIKEY+/=123',
  apiSecret: 'FAKEAPISECRET&=?4567890',
  bearerToken: 'FAKEBEARERTOKEN0123456789',
};
const settings: StackSettings = { target: 'local', keywords: ['aws'], retentionDays: 30, twitter };

async function loadError(file: string): Promise<UserError> {
  return loadSettings(file).then(
    () => {
      throw new Error('expected loadSettings to fail');
    },
    (error: UserError) => error,
  );
}

describe('scrubbing secrets from text', () => {
  it('redacts the base64 of key:secret that an echoed Authorization header carries', () => {
    // Prepare: the Basic header X's token endpoint gets, each part percent-encoded first
    const basic = Buffer.from(
      `${encodeURIComponent(twitter.apiKey)}:${encodeURIComponent(twitter.apiSecret)}`,
    ).toString('base64');
    const raw = Buffer.from(`${twitter.apiKey}:${twitter.apiSecret}`).toString('base64');
    const body = `{"error":"bad auth","echo":{"authorization":"Basic ${basic}","raw":"${raw}"}}`;
    // Act
    const scrubbed = scrubSecrets(body, secretValues(settings));
    // Assess
    expect(scrubbed).not.toContain(basic);
    expect(scrubbed).not.toContain(raw);
    expect(scrubbed).toContain('Basic [redacted]');
  });

  it('redacts raw and percent-encoded secrets', () => {
    const text = `token=${encodeURIComponent(twitter.apiSecret)} bearer ${twitter.bearerToken}`;
    const scrubbed = scrubSecrets(text, secretValues(settings));
    expect(scrubbed).toBe('token=[redacted] bearer [redacted]');
  });
});

describe('a broken settings file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamproc-secrets-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is reported by file, line and column, without the text around the break', async () => {
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      '{\n  "version": 1,\n  "stacks": { "a": { "twitter": { "bearerToken": FAKEBEARER123456 } } }\n}\n',
    );
    const error = await loadError(file);
    expect(error.code).toBe('CONFIG_CORRUPT');
    expect(error.message).toMatch(/config\.json:3:50 is not valid JSON$/);
    expect(error.message).not.toContain('FAKEBEARER');
    expect(error.message).not.toContain('Unexpected');
  });

  it("behind a symlink, never echoes the other file's bytes", async () => {
    const other = join(dir, 'id_secret');
    await writeFile(other, 'SECRETKEYMATERIAL-0123456789\n');
    const file = join(dir, 'config.json');
    await symlink(other, file);
    const error = await loadError(file);
    expect(error.message).not.toContain('SECRETKEY');
  });

  it('is refused at once when it is far larger than any settings file', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, '');
    await truncate(file, 35 * 1024 * 1024);
    const error = await loadError(file);
    expect(error.code).toBe('CONFIG_TOO_LARGE');
    expect(error.message).toContain(`at most ${MAX_SETTINGS_BYTES / 1024} KiB`);
  });
});
