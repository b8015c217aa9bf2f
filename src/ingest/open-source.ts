import { keywordsProblem, parseKeywords } from '../config/settings.js';
import type { ResolvedStack } from '../config/store.js';
import { UsageError } from '../errors.js';
import { BSKY_API_ORIGIN, BSKY_API_URL_ENV, HandleCache } from './bluesky/handle-cache.js';
import { JETSTREAM_DEFAULT_URL, JETSTREAM_URL_ENV, jetstreamEndpoint } from './bluesky/jetstream-connection.js';
import { cursorFilePath, handlesFilePath, readCursor, readHandles } from './bluesky/saved-state.js';
import { keywordMatcher } from './keyword-filter.js';
import { MASTODON_DEFAULT_INSTANCE, MASTODON_URL_ENV, mastodonInstance, streamsFor } from './mastodon/instance.js';
import { postCost } from './post-billing.js';
import { RawRecorder } from './raw-recorder.js';
import { blueskySource } from './sources/bluesky.js';
import { openFileReplay } from './sources/file-replay.js';
import { mastodonSource } from './sources/mastodon.js';
import type { IngestSource, SourceState } from './sources/source.js';
import { syntheticSource } from './sources/synthetic.js';
import { twitterSource } from './sources/twitter.js';

/** The source flags of `ingest`, checked for combinations before anything starts. */
export interface SourceChoice {
  twitter?: boolean;
  sample?: boolean;
  /** `--bluesky`: Bluesky's Jetstream, filtered here by keyword. */
  bluesky?: boolean;
  /** `--mastodon`: a Mastodon instance's streaming API, hashtag streams or the public one filtered here. */
  mastodon?: boolean;
  /** `--instance URL`: the Mastodon instance for this run instead of the stack's (init --mastodon-instance). */
  instance?: string;
  /** `--keywords a,b`: this run's keywords instead of the stack's (live sources and --synthetic). */
  keywords?: string;
  /** `--record FILE`: a live source's raw messages, appended to FILE for a later --file replay. */
  record?: string;
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
export function checkSourceChoice(choice: SourceChoice): SourceKind {
  const picked = [
    choice.twitter && !choice.sample ? '--twitter' : undefined,
    choice.sample ? '--sample' : undefined,
    choice.bluesky ? '--bluesky' : undefined,
    choice.mastodon ? '--mastodon' : undefined,
    choice.file !== undefined ? '--file' : undefined,
    choice.synthetic ? '--synthetic' : undefined,
  ].filter((f): f is string => f !== undefined);
  const hint =
    'Pick one of --twitter (the X filtered stream), --sample, --bluesky, --mastodon, --file PATH or --synthetic.';
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
  if (choice.keywords !== undefined) {
    if (choice.sample) {
      throw new UsageError('--keywords does not apply to --sample (X samples every post)', {
        hint: 'Drop --keywords, or use --twitter --keywords a,b.',
        code: 'FLAG_COMBINATION',
      });
    }
    const problem = keywordsProblem(parseKeywords(choice.keywords));
    if (problem) throw new UsageError(`--keywords: ${problem}`, { hint: 'Pass --keywords a,b (comma-separated).' });
  }
  if (!choice.mastodon && choice.instance !== undefined) {
    throw new UsageError('--instance only applies to --mastodon', {
      hint: 'Drop --instance, or use --mastodon --instance https://mastodon.social.',
      code: 'FLAG_COMBINATION',
    });
  }
  const live = choice.twitter || choice.sample || choice.bluesky || choice.mastodon;
  if (choice.record !== undefined && !live) {
    throw new UsageError('--record captures a live source (--twitter, --sample, --bluesky, --mastodon)', {
      hint: 'Drop --record: a file or generated input can be replayed as it is.',
      code: 'FLAG_COMBINATION',
    });
  }
  if (live && choice.rate !== undefined) {
    throw new UsageError('--rate paces --file and --synthetic; a live stream sets its own pace', {
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
  return which.slice(2) as SourceKind;
}

export type SourceKind = 'twitter' | 'sample' | 'bluesky' | 'mastodon' | 'file' | 'synthetic';

/** Opens the chosen source now, so that a missing file or missing X credentials fail first. */
export async function openSource(
  stack: ResolvedStack,
  choice: SourceChoice,
  onState: (state: SourceState) => void,
): Promise<{ source: IngestSource; seed?: number }> {
  const kind = checkSourceChoice(choice);
  const keywords = choice.keywords !== undefined ? parseKeywords(choice.keywords) : stack.settings.keywords;
  if (kind === 'file') {
    const replay = await openFileReplay(choice.file as string, {
      rate: choice.rate,
      fromLine: choice.fromLine,
      onState,
    });
    return { source: choice.keywords !== undefined ? keywordFiltered(replay, keywords) : replay };
  }
  if (kind === 'synthetic') {
    const seed = choice.seed ?? Math.floor(Math.random() * 2 ** 31);
    return {
      source: syntheticSource({
        seed,
        count: choice.count,
        rate: choice.rate,
        keywords,
        onState,
      }),
      seed,
    };
  }
  if (kind === 'bluesky') return { source: await openBluesky(stack, choice, keywords, onState) };
  if (kind === 'mastodon') return { source: await openMastodon(stack, choice, keywords, onState) };
  // X bills every post read: the source counts them as they arrive, queued or not.
  let read = 0;
  const source = twitterSource({
    stack: stack.name,
    credentials: stack.settings.twitter,
    keywords,
    sample: kind === 'sample',
    recorder: choice.record !== undefined ? await RawRecorder.open(choice.record) : undefined,
    onState,
    onPostsRead: (count) => {
      read += count;
    },
  });
  const billing = { service: 'x' as const, costPerPostUsd: postCost(choice.postCost) as number, postsRead: () => read };
  return { source: { ...source, billing } };
}

/** The Bluesky source with its endpoint, stored cursor, handle cache and capture file, checked now. */
async function openBluesky(
  stack: ResolvedStack,
  choice: SourceChoice,
  keywords: string[],
  onState: (state: SourceState) => void,
): Promise<IngestSource> {
  const url = process.env[JETSTREAM_URL_ENV] || JETSTREAM_DEFAULT_URL;
  jetstreamEndpoint(url);
  const cursorFile = cursorFilePath(stack.name);
  const stored = await readCursor(cursorFile);
  const recorder = choice.record !== undefined ? await RawRecorder.open(choice.record) : undefined;
  const handles = new HandleCache({ apiUrl: process.env[BSKY_API_URL_ENV] || BSKY_API_ORIGIN });
  const handlesFile = handlesFilePath(stack.name);
  handles.load(await readHandles(handlesFile));
  if (stored) {
    const ago = Math.max(0, Math.round((Date.now() - stored.timeUs / 1000) / 1000));
    onState({ state: 'starting', detail: `resuming from the stored cursor (${ago} s ago, ${cursorFile})` });
  }
  return blueskySource({
    keywords,
    url,
    handles,
    cursorFile,
    handlesFile,
    startCursor: stored?.timeUs,
    startKeys: stored?.keys,
    recorder,
    onState,
  });
}

/**
 * The Mastodon source: the instance from --instance, else STREAMPROC_MASTODON_URL, else the stack's
 * (init --mastodon-instance), else mastodon.social. The stack's token goes only to the instance it
 * was configured for: another instance given for one run gets no token (it would leak there).
 */
async function openMastodon(
  stack: ResolvedStack,
  choice: SourceChoice,
  keywords: string[],
  onState: (state: SourceState) => void,
): Promise<IngestSource> {
  const configured = stack.settings.mastodon?.instance ?? MASTODON_DEFAULT_INSTANCE;
  const given = choice.instance ?? (process.env[MASTODON_URL_ENV] || undefined);
  const instance = mastodonInstance(
    given ?? configured,
    choice.instance !== undefined
      ? 'Pass --instance https://mastodon.social (or your instance).'
      : given !== undefined
        ? `Set ${MASTODON_URL_ENV} to an instance URL such as https://mastodon.social, or unset it.`
        : 'Set the instance with `streamproc init --mastodon-instance https://mastodon.social`.',
  );
  const token = instance.origin === mastodonInstance(configured).origin ? stack.settings.mastodon?.token : undefined;
  const recorder = choice.record !== undefined ? await RawRecorder.open(choice.record) : undefined;
  return mastodonSource({
    keywords,
    instance,
    streams: streamsFor(keywords),
    token,
    recorder,
    onState,
  });
}

/** `--file --keywords`: only the replayed posts that match (a raw Jetstream capture holds every post). */
function keywordFiltered(source: IngestSource, keywords: string[]): IngestSource {
  const matches = keywordMatcher(keywords);
  return {
    name: source.name,
    async *items(signal) {
      for await (const item of source.items(signal)) {
        if (item.kind !== 'event' || matches(item.event)) yield item;
        else {
          const notice = {
            line: item.line ?? 0,
            kind: 'filtered-out',
            detail: `post ${item.event.id} matches no keyword`,
          };
          yield { kind: 'notice', notice };
        }
      }
    },
  };
}
