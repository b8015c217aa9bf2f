/** How secrets are shown (set, last four characters) and scrubbed from any text. */
import type { StackSettings, TwitterCredentials } from './settings.js';
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

export type RedactedStackSettings = Omit<StackSettings, 'twitter'> & { twitter: RedactedTwitter };

/** A copy of the settings safe to print, log or return as JSON. */
export function redactStackSettings(settings: StackSettings): RedactedStackSettings {
  const { twitter, ...rest } = settings;
  return { ...rest, twitter: redactTwitter(twitter) };
}

/** Every secret value in the settings, for scrubbing text that may have picked one up. */
export function secretValues(settings: StackSettings): string[] {
  return TWITTER_SECRET_FIELDS.map((f) => settings.twitter?.[f]).filter((v): v is string => !!v && v.length >= 4);
}

/** Replaces any secret found in `text` by `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}
