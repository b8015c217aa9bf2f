import type { ResolvedStack } from '../config/store.js';
import { UsageError } from '../errors.js';
import { postCost } from './post-billing.js';
import { openFileReplay } from './sources/file-replay.js';
import type { IngestSource, SourceState } from './sources/source.js';
import { syntheticSource } from './sources/synthetic.js';
import { twitterSource } from './sources/twitter.js';

/** The source flags of `ingest`, checked for combinations before anything starts. */
export interface SourceChoice {
  twitter?: boolean;
  sample?: boolean;
  file?: string;
  synthetic?: boolean;
  count?: number;
  rate?: number;
  seed?: number;
  /** `--from-line`: the file's line to start at (resuming a run that could not save everything). */
  fromLine?: number;
  /** `--post-cost`: what X charges per post read, in US dollars (text as given; default the published rate). */
  postCost?: string;
}

/** Exactly one source; flags that only make sense with another source are usage errors. */
export function checkSourceChoice(choice: SourceChoice): 'twitter' | 'sample' | 'file' | 'synthetic' {
  const picked = [
    choice.twitter && !choice.sample ? '--twitter' : undefined,
    choice.sample ? '--sample' : undefined,
    choice.file !== undefined ? '--file' : undefined,
    choice.synthetic ? '--synthetic' : undefined,
  ].filter((f): f is string => f !== undefined);
  const hint = 'Pick one of --twitter (the filtered stream), --sample, --file PATH or --synthetic.';
  if (picked.length === 0) throw new UsageError('No source given', { hint, code: 'NO_SOURCE' });
  if (picked.length > 1)
    throw new UsageError(`Only one source at a time: ${picked.join(' and ')} were both given`, {
      hint,
      code: 'TWO_SOURCES',
    });
  if (!choice.synthetic && choice.count !== undefined) {
    throw new UsageError('--count only applies to --synthetic', {
      hint: 'Drop --count, or use --synthetic --count N.',
      code: 'FLAG_COMBINATION',
    });
  }
  if (choice.file === undefined && choice.fromLine !== undefined) {
    throw new UsageError('--from-line only applies to --file', {
      hint: 'Drop --from-line, or use --file PATH --from-line N.',
      code: 'FLAG_COMBINATION',
    });
  }
  if (!choice.synthetic && choice.seed !== undefined) {
    throw new UsageError('--seed only applies to --synthetic', {
      hint: 'Drop --seed, or use --synthetic --seed S.',
      code: 'FLAG_COMBINATION',
    });
  }
  if ((choice.twitter || choice.sample) && choice.rate !== undefined) {
    throw new UsageError('--rate paces --file and --synthetic; the X stream sets its own pace', {
      hint: 'Drop --rate.',
      code: 'FLAG_COMBINATION',
    });
  }
  if (!(choice.twitter || choice.sample) && choice.postCost !== undefined) {
    throw new UsageError('--post-cost only applies to the X streams (--twitter, --sample)', {
      hint: 'Drop --post-cost: the other sources cost nothing.',
      code: 'FLAG_COMBINATION',
    });
  }
  const cost = postCost(choice.postCost);
  if (typeof cost === 'string') {
    throw new UsageError(cost, { hint: 'Pass the price of one post in US dollars, e.g. --post-cost 0.005.' });
  }
  const which = picked[0] as string;
  return which.slice(2) as 'twitter' | 'sample' | 'file' | 'synthetic';
}

/** Opens the chosen source now, so that a missing file or missing X credentials fail first. */
export async function openSource(
  stack: ResolvedStack,
  choice: SourceChoice,
  onState: (state: SourceState) => void,
): Promise<{ source: IngestSource; seed?: number }> {
  const kind = checkSourceChoice(choice);
  if (kind === 'file') {
    return {
      source: await openFileReplay(choice.file as string, { rate: choice.rate, fromLine: choice.fromLine, onState }),
    };
  }
  if (kind === 'synthetic') {
    const seed = choice.seed ?? Math.floor(Math.random() * 2 ** 31);
    return {
      source: syntheticSource({
        seed,
        count: choice.count,
        rate: choice.rate,
        keywords: stack.settings.keywords,
        onState,
      }),
      seed,
    };
  }
  // X bills every post read: the source counts them as they arrive, queued or not.
  let read = 0;
  const source = twitterSource({
    stack: stack.name,
    credentials: stack.settings.twitter,
    keywords: stack.settings.keywords,
    sample: kind === 'sample',
    onState,
    onPostsRead: (count) => {
      read += count;
    },
  });
  const billing = { service: 'x' as const, costPerPostUsd: postCost(choice.postCost) as number, postsRead: () => read };
  return { source: { ...source, billing } };
}
