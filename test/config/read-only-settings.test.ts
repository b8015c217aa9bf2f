/** A read-only settings directory: commands that change nothing never write, and a needed write says why it cannot. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StackSettings } from '../../src/config/settings.js';

const readOnly = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/atomic-file.js', async (original) => {
  const real = await original<typeof import('../../src/atomic-file.js')>();
  return {
    writeFileAtomic: async (...args: Parameters<typeof real.writeFileAtomic>) => {
      if (readOnly.on) throw Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' });
      return real.writeFileAtomic(...args);
    },
  };
});

const { saveSettings, updateStackSettings } = await import('../../src/config/store.js');

const stack: StackSettings = { target: 'local', keywords: ['aws'], retentionDays: 30, outputs: { StreamName: 's' } };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-ro-'));
  readOnly.on = false;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('settings on a read-only file system', () => {
  it('are not written when an update changes nothing (a no-op deploy)', async () => {
    // Prepare
    const file = join(dir, 'config.json');
    await saveSettings({ version: 1, defaultStack: 'a', stacks: { a: stack } }, file);
    const before = await stat(file);
    readOnly.on = true;
    // Act
    const after = await updateStackSettings(
      'a',
      (current) => ({ ...(current ?? stack), outputs: { StreamName: 's' } }),
      {
        file,
      },
    );
    // Assess
    expect(after.stacks.a).toEqual(stack);
    expect((await stat(file)).ino).toBe(before.ino);
  });

  it('say the directory is read-only when a write is needed', async () => {
    const file = join(dir, 'config.json');
    readOnly.on = true;
    await expect(saveSettings({ version: 1, stacks: { a: stack } }, file)).rejects.toMatchObject({
      code: 'CONFIG_READ_ONLY',
      message: `Cannot save the settings: ${dir} is on a read-only file system`,
    });
  });
});
