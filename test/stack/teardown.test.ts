/** The teardown service: what is asked before deleting, and when nothing is asked. */
import { describe, expect, it } from 'vitest';
import { defaultStackSettings } from '../../src/config/settings.js';
import type { ResolvedStack } from '../../src/config/store.js';
import { UserError } from '../../src/errors.js';
import { silentReporter } from '../../src/progress.js';
import { teardownStack } from '../../src/stack/teardown.js';
import type { StackDescription, StackTarget } from '../../src/target.js';

const stack: ResolvedStack = { name: 'svc', settings: defaultStackSettings(), configured: false, file: '' };

/** A target that describes `description` and records the calls it gets. */
function fakeTarget(description: StackDescription) {
  const calls: string[] = [];
  const target = {
    describe: async () => {
      calls.push('describe');
      return description;
    },
    teardown: async () => {
      calls.push('teardown');
      return { stack: stack.name, target: 'local' as const, existed: description.exists, deleted: ['stream'] };
    },
  } as unknown as StackTarget;
  return { target, calls };
}

const base = { stack, keepData: false, reporter: silentReporter, signal: new AbortController().signal };

describe('teardown service', () => {
  it('shows the caller what exists and deletes only after it confirms', async () => {
    const { target, calls } = fakeTarget({ exists: true, resources: ['stream svc-EventStream'] });
    const shown: StackDescription[] = [];
    const result = await teardownStack({
      ...base,
      target,
      confirm: async (description) => {
        shown.push(description);
        calls.push('confirm');
      },
    });
    expect(shown).toEqual([{ exists: true, resources: ['stream svc-EventStream'] }]);
    expect(calls).toEqual(['describe', 'confirm', 'teardown']);
    expect(result.existed).toBe(true);
  });

  it('deletes nothing when the caller refuses', async () => {
    const { target, calls } = fakeTarget({ exists: true, resources: [] });
    const refuse = async () => {
      throw new UserError('Teardown cancelled');
    };
    await expect(teardownStack({ ...base, target, confirm: refuse })).rejects.toThrow('Teardown cancelled');
    expect(calls).toEqual(['describe']);
  });

  it('asks nothing about a stack that does not exist, and still lets the target clear what is left', async () => {
    const { target, calls } = fakeTarget({ exists: false, resources: [] });
    const result = await teardownStack({
      ...base,
      target,
      confirm: async () => {
        calls.push('confirm');
      },
    });
    expect(calls).toEqual(['describe', 'teardown']);
    expect(result.existed).toBe(false);
  });

  it('neither describes nor asks when the caller has decided (the demo)', async () => {
    const { target, calls } = fakeTarget({ exists: true, resources: [] });
    await teardownStack({ ...base, target });
    expect(calls).toEqual(['teardown']);
  });
});
