/** The local failure file under redrive: claimed by rename, progress by offset, appends never lost. */
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { FailureFile, peekFailureFile } from '../../src/redrive/file-destination.js';

let dir: string;
let file: string;
const line = (n: number) => JSON.stringify({ n });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-failure-file-'));
  file = join(dir, 'failures.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function drain(source: FailureFile): Promise<string[]> {
  const bodies: string[] = [];
  for (let entries = await source.next(); entries.length > 0; entries = await source.next()) {
    for (const entry of entries) {
      bodies.push(entry.body);
      await source.remove(entry);
    }
  }
  return bodies;
}

describe('FailureFile', () => {
  it('hands out every entry once, then removes the claimed file and its offset', async () => {
    await writeFile(file, `${line(1)}\n${line(2)}\n${line(3)}\n`);
    const source = new FailureFile(file);

    const bodies = await drain(source);
    const { remaining } = await source.close();

    expect(bodies).toEqual([line(1), line(2), line(3)]);
    expect(remaining).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(source.claimed)).toBe(false);
    expect(existsSync(source.offsetFile)).toBe(false);
    expect(existsSync(source.lockFile)).toBe(false);
  });

  it('leaves an append the engine makes during the redrive in failures.jsonl', async () => {
    await writeFile(file, `${line(1)}\n`);
    const source = new FailureFile(file);
    const first = await source.next();

    await appendFile(file, `${line(2)}\n`); // the engine gives up on another batch meanwhile
    for (const entry of first) await source.remove(entry);
    const rest = await drain(source);
    const { remaining } = await source.close();

    expect(first.map((e) => e.body)).toEqual([line(1)]);
    expect(rest).toEqual([]);
    expect(remaining).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(`${line(2)}\n`);
  });

  it('takes an append that was under way when the file was renamed (opened before, written after)', async () => {
    await writeFile(file, `${line(1)}\n`);
    const writer = await open(file, 'a'); // the engine opened the file by name just before the claim
    const source = new FailureFile(file);
    const first = await source.next();

    await writer.writeFile(`${line(2)}\n`);
    await writer.close();
    for (const entry of first) await source.remove(entry);
    const late = await drain(source);
    await source.close();

    expect(late).toEqual([line(2)]);
    expect(existsSync(source.claimed)).toBe(false);
  });

  it('resumes after an interruption from the last entry it finished, then takes the new file', async () => {
    await writeFile(file, `${line(1)}\n${line(2)}\n${line(3)}\n`);
    const interrupted = new FailureFile(file);
    const entries = await interrupted.next();
    await interrupted.remove(entries[0] as (typeof entries)[0]);
    await interrupted.close(); // as after a kill: entry 2 was in hand but not finished
    await appendFile(file, `${line(4)}\n`);

    const again = new FailureFile(file);
    const bodies = await drain(again);
    await again.close();

    expect(bodies).toEqual([line(2), line(3), line(4)]);
    expect(existsSync(file)).toBe(false);
  });

  it('puts a kept entry back into failures.jsonl', async () => {
    await writeFile(file, `not json\n${line(2)}\n`);
    const source = new FailureFile(file);
    const [bad, good] = await source.next();
    await source.keep(bad as NonNullable<typeof bad>);
    await source.remove(good as NonNullable<typeof good>);
    expect(await source.next()).toEqual([]);
    const { remaining } = await source.close();

    expect(remaining).toBe(1);
    expect(await readFile(file, 'utf8')).toBe('not json\n');
  });

  it('refuses a second redrive of the same stack while one runs', async () => {
    await writeFile(file, `${line(1)}\n`);
    const running = new FailureFile(file);
    await running.next();

    const second = new FailureFile(file);
    const error = await second.next().catch((e: unknown) => e);
    await running.close();

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`Another redrive of this stack is running (pid ${process.pid})`);
  });

  it('breaks the lock of a redrive that died', async () => {
    await writeFile(file, `${line(1)}\n`);
    const source = new FailureFile(file);
    await writeFile(source.lockFile, '999999999\n');

    expect((await drain(source)).length).toBe(1);
    await source.close();
  });
});

describe('peekFailureFile (--dry-run)', () => {
  it('lists what an interrupted run left and the file, and changes nothing', async () => {
    await writeFile(file, `${line(1)}\n${line(2)}\n`);
    const interrupted = new FailureFile(file);
    const [first] = await interrupted.next();
    await interrupted.remove(first as NonNullable<typeof first>);
    await interrupted.close();
    await appendFile(file, `${line(3)}\n`);
    const claimed = await readFile(interrupted.claimed, 'utf8');

    const peek = await peekFailureFile(file);
    const bodies = (await peek.next()).map((e) => e.body);

    expect(bodies).toEqual([line(2), line(3)]);
    expect(await peek.next()).toEqual([]);
    expect(await readFile(interrupted.claimed, 'utf8')).toBe(claimed);
    expect(await readFile(file, 'utf8')).toBe(`${line(3)}\n`);
  });
});
