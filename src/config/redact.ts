/** How secrets are shown (set, last four characters) and scrubbed from any text. */
import type { MastodonSettings, StackSettings, TwitterCredentials } from './settings.js';
import { TWITTER_SECRET_FIELDS } from './settings.js';

/**
 * How a secret is shown anywhere: whether it is set and its last four characters, never more.
 * Short secrets show nothing of themselves.
 */
export function describeSecret(value: string | undefined): string {
  if (!value) return 'not set';
  if (value.length < 12) return 'set';
  return `set (ends …${value.slice(-4)})`;
}

export type RedactedTwitter = Record<keyof TwitterCredentials, string>;

export function redactTwitter(twitter: TwitterCredentials | undefined): RedactedTwitter {
  const out = {} as RedactedTwitter;
  for (const field of TWITTER_SECRET_FIELDS) out[field] = describeSecret(twitter?.[field]);
  return out;
}

/** The Mastodon settings as shown: the instance as it is, the token described. */
export interface RedactedMastodon {
  instance: string;
  token: string;
}

export function redactMastodon(mastodon: MastodonSettings | undefined): RedactedMastodon {
  return { instance: mastodon?.instance ?? 'not set', token: describeSecret(mastodon?.token) };
}

export type RedactedStackSettings = Omit<StackSettings, 'twitter' | 'mastodon'> & {
  twitter: RedactedTwitter;
  mastodon: RedactedMastodon;
};

/** A copy of the settings safe to print, log or return as JSON. */
export function redactStackSettings(settings: StackSettings): RedactedStackSettings {
  const { twitter, mastodon, ...rest } = settings;
  return { ...rest, twitter: redactTwitter(twitter), mastodon: redactMastodon(mastodon) };
}

/**
 * Every secret value in the settings, in every form streamproc itself sends it (so an error body
 * that echoes a request cannot leak one): raw, percent-encoded, and the base64 of `key:secret`
 * pairs as HTTP Basic authentication carries them (X's token endpoint takes the API key and secret
 * that way, each percent-encoded first).
 */
export function secretValues(settings: StackSettings): string[] {
  const twitter = settings.twitter ?? {};
  // The Mastodon token travels as `Authorization: Bearer <token>`: raw is the form to scrub.
  const raw = [...TWITTER_SECRET_FIELDS.map((f) => twitter[f]), settings.mastodon?.token].filter(
    (v): v is string => !!v && v.length >= 4,
  );
  const forms = new Set<string>();
  for (const secret of raw) {
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  for (const [key, secret] of [
    [twitter.apiKey, twitter.apiSecret],
    [twitter.accessToken, twitter.accessTokenSecret],
  ]) {
    if (!key || !secret) continue;
    for (const pair of [`${key}:${secret}`, `${encodeURIComponent(key)}:${encodeURIComponent(secret)}`]) {
      forms.add(Buffer.from(pair).toString('base64'));
      forms.add(Buffer.from(pair).toString('base64url'));
    }
  }
  // Longest first, so a form containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces any secret found in `text` by `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}
