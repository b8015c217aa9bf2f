/** The synthetic source: realistic generated tweets, deterministic per seed. */
import { TWEET_EVENT_VERSION, type TweetAuthor, type TweetEvent } from '../../../lambda/contract/tweet-event.js';
import { type IngestSource, pacer, type SourceState } from './source.js';

/**
 * Synthetic tweets for demos and load tests: several languages and scripts, emoji (including
 * ZWJ sequences and flags), hashtags, mentions and a stable pool of users. Everything except the
 * timestamps is a pure function of the seed; timestamps advance from `startTime`, or follow the
 * clock (never ahead of it) when there is none.
 */

export interface SyntheticOptions {
  seed: number;
  /** Stop after this many tweets; undefined runs until stopped. */
  count?: number;
  /** Tweets per second; undefined is as fast as they are taken. */
  rate?: number;
  /** Keywords to weave in as words and hashtags (the stack's tracked keywords). */
  keywords?: string[];
  /** Epoch ms of the first tweet's `createdAt` (default: now). */
  startTime?: number;
  onState?: (state: SourceState) => void;
}

/** mulberry32: tiny, fast, good enough for test data, and identical on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const FIRST = [
  'ana',
  'ben',
  'chen',
  'dara',
  'emre',
  'fatima',
  'gus',
  'hana',
  'ivan',
  'jun',
  'kofi',
  'lena',
  'mateo',
  'nia',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sven',
  'tomoko',
  'uma',
  'vikram',
  'wei',
  'yusuf',
  'zoe',
];
const LAST = ['dev', 'codes', 'cloud', 'ops', 'data', 'builds', 'stack', 'ships', 'lambda', 'shard'];
const DISPLAY: Record<string, readonly string[]> = {
  en: ['Ana Silva', 'Ben Carter', 'Quinn O’Neil', 'Zoe 🚀 Builds'],
  es: ['María José', 'Mateo Núñez', 'Rosa Peña 🌵'],
  ja: ['田中 智子', '佐藤ゆき', 'ジュン☁️'],
  ar: ['فاطمة', 'عمر الحربي', 'يوسف 🌙'],
  fr: ['Léna Dubois', 'Émile Côté'],
  pt: ['João Gonçalves', 'Inês Araújo'],
  hi: ['प्रिया शर्मा', 'विक्रम'],
};
const LANGS = ['en', 'en', 'en', 'es', 'ja', 'ar', 'fr', 'pt', 'hi'] as const;
const TEMPLATES: Record<string, readonly string[]> = {
  en: [
    'Just shipped a new {kw} pipeline and it is fast {e}',
    'Anyone else debugging {kw} at 2am? {e} {e}',
    'Hot take: {kw} is underrated for small teams {e}',
    'Reading about {kw} partitions, shards and backpressure today {e}',
  ],
  es: ['Probando {kw} con datos en tiempo real, ¡qué maravilla! {e}', '¿Alguien usa {kw} en producción? Cuéntenme {e}'],
  ja: ['{kw}のストリーム処理を試しています {e}', '今日は{kw}の勉強会でした！とても楽しかった {e}'],
  ar: ['أجرب {kw} اليوم لمعالجة البيانات في الوقت الحقيقي {e}', 'هل تستخدمون {kw} في مشاريعكم؟ {e}'],
  fr: ['Première démo de {kw} ce matin, ça marche très bien {e}', 'Qui utilise {kw} en production ? {e}'],
  pt: ['Começando com {kw} hoje, dados em tempo real {e}', 'Alguém já usou {kw} com Lambda? {e}'],
  hi: ['आज {kw} के साथ रियल-टाइम डेटा पर काम किया {e}'],
};
const EMOJI = ['🚀', '🔥', '☁️', '⚡', '🙌', '😅', '👩‍💻', '🧑🏽‍🚀', '🇯🇵', '🇪🇸', '❤️', '📈', '🤖', '✨', '🍣'];
const TOPICS = [
  'dataengineering',
  'realtime',
  'streaming',
  'devops',
  'opensource',
  'clima',
  'クラウド',
  'بيانات',
  'nodejs',
];

interface SyntheticUser extends TweetAuthor {
  lang: string;
}

function makeUsers(random: Random, seed: number, count: number): SyntheticUser[] {
  const users: SyntheticUser[] = [];
  for (let i = 0; i < count; i += 1) {
    const lang = pick(random, LANGS);
    const username = `${pick(random, FIRST)}_${pick(random, LAST)}${Math.floor(random() * 1000)}`;
    users.push({
      // Numeric ids that look like X's (up to 19 digits), unique per user within a seed.
      id: String(1_000_000_000 + ((seed >>> 0) % 1_000_000) * 10_000 + i),
      username,
      name: pick(random, DISPLAY[lang] ?? DISPLAY.en ?? []),
      lang,
    });
  }
  return users;
}

/** A deterministic tweet id (19 digits) for tweet `index` of `seed`. */
export function syntheticId(seed: number, index: number): string {
  return (1_600_000_000_000_000_000n + BigInt(seed >>> 0) * 1_000_000_000n + BigInt(index)).toString();
}

/** The tweets themselves, as a plain generator (the bench and tests use it without a source). */
export function* syntheticTweets(
  options: Pick<SyntheticOptions, 'seed' | 'count' | 'keywords' | 'startTime'>,
): Generator<TweetEvent> {
  const random = seededRandom(options.seed);
  const users = makeUsers(random, options.seed, 500);
  const keywords = options.keywords?.length ? options.keywords : ['aws', 'serverless', 'kinesis'];
  // Without a start time the tweets are "now": a fast run must not date them into the future
  // (at 500/s the random steps below would run ahead of the clock by minutes).
  const live = options.startTime === undefined;
  let time = options.startTime ?? Date.now();
  for (let index = 0; options.count === undefined || index < options.count; index += 1) {
    const author = pick(random, users);
    const lang = random() < 0.8 ? author.lang : pick(random, LANGS);
    const keyword = pick(random, keywords);
    let text = pick(random, TEMPLATES[lang] ?? TEMPLATES.en ?? [])
      .replace('{kw}', keyword)
      .replace(/\{e\}/g, () => pick(random, EMOJI));
    const hashtags: string[] = [];
    const mentions: string[] = [];
    const tagCount = Math.floor(random() * 3);
    for (let t = 0; t < tagCount; t += 1) {
      const tag = random() < 0.5 ? keyword.replace(/[^\p{L}\p{N}_]/gu, '') : pick(random, TOPICS);
      if (tag && !hashtags.includes(tag)) hashtags.push(tag);
    }
    if (random() < 0.3) {
      const other = pick(random, users);
      if (other.id !== author.id) mentions.push(other.username);
    }
    if (mentions.length > 0) text = `@${mentions.join(' @')} ${text}`;
    if (hashtags.length > 0) text = `${text} #${hashtags.join(' #')}`;
    const step = Math.floor(random() * 1500);
    time = live ? Math.max(time, Date.now()) : time + step;
    yield {
      v: TWEET_EVENT_VERSION,
      id: syntheticId(options.seed, index),
      text,
      createdAt: new Date(time).toISOString(),
      lang,
      author: { id: author.id, username: author.username, name: author.name },
      hashtags,
      mentions,
      source: 'synthetic',
    };
  }
}

export function syntheticSource(options: SyntheticOptions): IngestSource {
  return {
    name: 'synthetic',
    async *items(signal) {
      const pace = pacer(options.rate, signal);
      options.onState?.({ state: 'generating', detail: `seed ${options.seed}` });
      for (const event of syntheticTweets(options)) {
        if (signal.aborted) break;
        await pace();
        if (signal.aborted) break;
        yield { kind: 'event', event };
      }
      options.onState?.({ state: signal.aborted ? 'stopped' : 'done' });
    },
  };
}
