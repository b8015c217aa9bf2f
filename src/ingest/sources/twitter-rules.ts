/** The filtered stream's rules: one per keyword, tagged per stack, synced without touching others. */
import type { TwitterApi } from 'twitter-api-v2';
import { UserError } from '../../errors.js';

/** The tag on every rule streamproc makes for a stack; rules without it are never touched. */
export function ruleTag(stack: string): string {
  return `streamproc:${stack}`;
}

/** A keyword as a rule value: phrases quoted, so `machine learning` matches the phrase. */
export function ruleValue(keyword: string): string {
  const k = keyword.trim();
  return /\s/.test(k) && !/^".*"$/.test(k) ? `"${k.replace(/"/g, '')}"` : k;
}

export interface RulesSync {
  added: string[];
  removed: string[];
  kept: string[];
  /** Rules of other tools (or other stacks) on the same app, left alone. */
  foreign: number;
}

/** Makes this stack's tagged rules equal the keywords; touches no rule with another tag. */
export async function syncStreamRules(client: TwitterApi, stack: string, keywords: string[]): Promise<RulesSync> {
  const tag = ruleTag(stack);
  const current = (await client.v2.streamRules()).data ?? [];
  const ours = current.filter((r) => r.tag === tag);
  const wanted = [...new Set(keywords.map(ruleValue).filter((v) => v.length > 0))];
  const stale = ours.filter((r) => !wanted.includes(r.value));
  const missing = wanted.filter((v) => !ours.some((r) => r.value === v));
  if (stale.length > 0) await client.v2.updateStreamRules({ delete: { ids: stale.map((r) => r.id) } });
  if (missing.length > 0) {
    const result = await client.v2.updateStreamRules({ add: missing.map((value) => ({ value, tag })) });
    const invalid = result.errors?.filter((e) => (e as { title?: string }).title !== 'DuplicateRule') ?? [];
    if (invalid.length > 0) {
      const first = invalid[0] as { value?: string; details?: string[]; title?: string };
      throw new UserError(
        `X rejected the stream rule ${JSON.stringify(first.value ?? '')}: ${first.details?.[0] ?? first.title ?? 'invalid'}`,
        {
          hint: 'Change the keywords with `streamproc init --keywords …`.',
          code: 'X_RULES',
        },
      );
    }
  }
  return {
    added: missing,
    removed: stale.map((r) => r.value),
    kept: ours.filter((r) => wanted.includes(r.value)).map((r) => r.value),
    foreign: current.length - ours.length,
  };
}
