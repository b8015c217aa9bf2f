/** The settings model: per-stack settings, their defaults and validation. */
import { regionProblem, stackNameProblem } from './stack-name.js';

/** The Twitter / X credentials a stack may hold. All optional: replay and synthetic need none. */
export interface TwitterCredentials {
  apiKey?: string;
  apiSecret?: string;
  accessToken?: string;
  accessTokenSecret?: string;
  /** OAuth 2.0 app-only bearer token; the v2 filtered stream needs it (or key + secret to derive it). */
  bearerToken?: string;
}

export const TWITTER_SECRET_FIELDS = [
  'apiKey',
  'apiSecret',
  'accessToken',
  'accessTokenSecret',
  'bearerToken',
] as const satisfies readonly (keyof TwitterCredentials)[];

/** A Mastodon instance to stream from, and the access token many instances need for it (a secret). */
export interface MastodonSettings {
  /** The instance's origin, e.g. `https://mastodon.social`. */
  instance?: string;
  /** An access token (Preferences → Development → New application, scope `read:statuses`); sent as a Bearer token. */
  token?: string;
}

export const DEFAULT_MASTODON_INSTANCE = 'https://mastodon.social';

/** Why an instance URL is unusable (http or https, a host, nothing else), or undefined. */
export function mastodonInstanceProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname) return undefined;
  } catch {
    // reported below
  }
  return `"${url}" is not an http:// or https:// URL of an instance`;
}

/** `mastodon.social` → `https://mastodon.social`; a URL keeps only its origin. */
export function normaliseInstance(url: string): string {
  const text = url.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  try {
    return new URL(withScheme).origin;
  } catch {
    return text;
  }
}

export const MASTODON_FIELDS = ['instance', 'token'] as const satisfies readonly (keyof MastodonSettings)[];

export type Target = 'local' | 'aws';
export const TARGETS: readonly Target[] = ['local', 'aws'];

export interface StackSettings {
  /** Where the stack runs. */
  target: Target;
  /** AWS region (aws target). */
  region?: string;
  /** Named AWS profile (aws target); streamproc never stores AWS keys, it uses the standard chain. */
  profile?: string;
  twitter?: TwitterCredentials;
  /** `ingest --mastodon`'s default instance and token. */
  mastodon?: MastodonSettings;
  /** Keywords the filtered stream tracks. */
  keywords: string[];
  /** Days an item stays in the table before TTL removes it. */
  retentionDays: number;
  /** Deploy-time parameter overrides (template parameter name → value), kept between deploys. */
  parameters?: Record<string, string>;
  /** What the last deploy reported (stream and table names, ARNs…), so ingest and browse need no copying. */
  outputs?: Record<string, string>;
  /** Who `ingest` sends as when neither --as-producer nor --no-as-producer is given (aws target). */
  ingestAs?: 'producer' | 'operator';
}

export interface SettingsFile {
  version: 1;
  defaultStack?: string;
  stacks: Record<string, StackSettings>;
}

export const DEFAULT_STACK_NAME = 'streamproc';
export const DEFAULT_KEYWORDS = ['aws', 'serverless', 'kinesis'];
export const DEFAULT_RETENTION_DAYS = 30;

export function defaultStackSettings(): StackSettings {
  return { target: 'local', keywords: [...DEFAULT_KEYWORDS], retentionDays: DEFAULT_RETENTION_DAYS };
}

export function emptySettings(): SettingsFile {
  return { version: 1, stacks: {} };
}

/** Why a keyword list is unusable, or undefined. */
export function keywordsProblem(keywords: string[]): string | undefined {
  if (keywords.length === 0) return 'at least one keyword is needed';
  const bad = keywords.find((k) => k.trim().length === 0 || k.length > 128);
  if (bad !== undefined) return `"${bad}" is not a usable keyword (1-128 characters)`;
  return undefined;
}

export function retentionProblem(days: number): string | undefined {
  if (!Number.isInteger(days) || days < 1 || days > 3650) return 'retention must be a whole number of days, 1-3650';
  return undefined;
}

/** Splits "a, b,,c" into ["a", "b", "c"]. */
export function parseKeywords(text: string): string[] {
  return text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isRecordOfStrings = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isString);

/**
 * Checks a parsed settings document; returns the problems found as `path: what is wrong`, so that
 * a hand-edited file gets a precise message instead of a crash later on.
 */
export function settingsProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['the file is not a JSON object'];
  const doc = value as Record<string, unknown>;
  if (doc.version !== 1) problems.push(`version: expected 1, found ${JSON.stringify(doc.version)}`);
  if (typeof doc.stacks !== 'object' || doc.stacks === null || Array.isArray(doc.stacks)) {
    problems.push('stacks: expected an object of named stacks');
    return problems;
  }
  if (doc.defaultStack !== undefined) {
    if (!isString(doc.defaultStack)) problems.push('defaultStack: expected a stack name');
    else if (!(doc.defaultStack in (doc.stacks as object)))
      problems.push(`defaultStack: "${doc.defaultStack}" is not one of the stacks`);
  }
  for (const [name, raw] of Object.entries(doc.stacks as Record<string, unknown>)) {
    const at = `stacks.${name}`;
    const nameProblem = stackNameProblem(name);
    if (nameProblem) problems.push(`${at}: ${nameProblem}`);
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${at}: expected an object`);
      continue;
    }
    const s = raw as Record<string, unknown>;
    if (!TARGETS.includes(s.target as Target)) problems.push(`${at}.target: expected "local" or "aws"`);
    if (s.region !== undefined && (!isString(s.region) || regionProblem(s.region)))
      problems.push(`${at}.region: not an AWS region code`);
    if (s.profile !== undefined && !isString(s.profile)) problems.push(`${at}.profile: expected a string`);
    if (!Array.isArray(s.keywords) || !s.keywords.every(isString)) {
      problems.push(`${at}.keywords: expected an array of strings`);
    }
    if (typeof s.retentionDays !== 'number' || retentionProblem(s.retentionDays)) {
      problems.push(`${at}.retentionDays: expected a whole number of days, 1-3650`);
    }
    if (s.twitter !== undefined) {
      if (!isRecordOfStrings(s.twitter)) problems.push(`${at}.twitter: expected an object of strings`);
      else {
        const unknown = Object.keys(s.twitter).filter((k) => !(TWITTER_SECRET_FIELDS as readonly string[]).includes(k));
        if (unknown.length > 0) problems.push(`${at}.twitter: unknown field ${unknown.join(', ')}`);
      }
    }
    if (s.mastodon !== undefined) {
      if (!isRecordOfStrings(s.mastodon)) problems.push(`${at}.mastodon: expected an object of strings`);
      else {
        const unknown = Object.keys(s.mastodon).filter((k) => !(MASTODON_FIELDS as readonly string[]).includes(k));
        if (unknown.length > 0) problems.push(`${at}.mastodon: unknown field ${unknown.join(', ')}`);
      }
    }
    if (s.ingestAs !== undefined && s.ingestAs !== 'producer' && s.ingestAs !== 'operator')
      problems.push(`${at}.ingestAs: expected "producer" or "operator"`);
    for (const field of ['parameters', 'outputs'] as const) {
      if (s[field] !== undefined && !isRecordOfStrings(s[field])) problems.push(`${at}.${field}: expected strings`);
    }
  }
  return problems;
}
