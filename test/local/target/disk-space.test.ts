/** Disk space for the local engine: measured for real, and a full disk named as such. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFreeSpace, diskFullError, freeBytes } from '../../../src/local/target/disk-space.js';

describe('disk space for the local engine', () => {
  it('measures the file system of the nearest existing directory', async () => {
    const free = await freeBytes(join(tmpdir(), 'does', 'not', 'exist', 'yet'));
    expect(free).toBeGreaterThan(0);
  });

  it('refuses, naming the directory and what is free, below the minimum', async () => {
    const dir = join(tmpdir(), 'streamproc-nowhere');
    await expect(checkFreeSpace(dir, Number.MAX_SAFE_INTEGER)).rejects.toThrow(
      new RegExp(`^No space left on device under ${dir}: [\\d.]+ [MK]B free, the local engine needs at least`),
    );
    await expect(checkFreeSpace(dir, 1)).resolves.toBeUndefined();
  });

  it('reads an engine log that ends in ENOSPC as a full disk, and nothing else as one', () => {
    // Prepare: the last lines the engine wrote when its write of the lock failed (recorded on a full tmpfs)
    const tail = [
      '{"level":"info","msg":"engine starting"}',
      '{"level":"error","msg":"engine failed to start","error":"Error: ENOSPC: no space left on device, write\\n    at async write"}',
    ].join('\n');
    // Act
    const error = diskFullError('/data/stacks/s', tail);
    // Assess
    expect(error?.message).toBe('No space left on device under /data/stacks/s: the local engine stopped');
    expect(error?.hint).toMatch(/STREAMPROC_DATA_DIR/);
    expect(diskFullError('/data/stacks/s', '{"level":"error","msg":"EADDRINUSE"}')).toBeUndefined();
  });
});
