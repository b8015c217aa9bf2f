/** One Mastodon status (the streaming API's `update` / `status.update` payload, a timeline entry) into a contract v2 post. */
import {
  type PostEvent,
  type PostKind,
  type PostRef,
  type PostSource,
  validateTweetEvent,
} from '../../../lambda/contract/tweet-event.js';
import { isObject, type Json, str } from '../x/json.js';
import { bad, type PayloadOutcome } from '../x/outcome.js';
import { htmlToText, type MentionRef } from './html-text.js';

/**
 * The Status entity (docs.joinmastodon.org/entities/Status): `id` (a numeric string, snowflake-like:
 * the creation time in its high bits), `created_at`, HTML `content`, `spoiler_text`, `account`
 * {id, username, acct, display_name, url}, `language`, `tags` [{name}], `mentions`
 * [{id, username, acct, url}], `in_reply_to_id`, `in_reply_to_account_id`, `reblog` (the boosted
 * status, or null), `edited_at`, and from Mastodon 4.4 `quote` {state, quoted_status}.
 *
 * `acct` is `user` for an account of the instance being read and `user@domain` for a remote one;
 * the contract wants every handle with its instance, so a local one gets the reading instance's
 * host appended. Ids are those of the instance being read (a remote post has another id on its
 * home instance), which is what the table key is made of: `user#<acct>` / `tweet#<id>`, time-sortable
 * like X's snowflakes and the same for every delivery of the status (an edit overwrites the item).
 */

/** `acct` with the reading instance's host when it names a local account. */
export function fullAcct(acct: string, instanceHost: string): string {
  return acct.includes('@') ? acct : `${acct}@${instanceHost}`;
}

const DECIMAL_ID = /^[0-9]{1,20}$/;

/** True for a value shaped like a Status entity (an id and an account). */
export function isMastodonStatus(value: unknown): value is Json {
  return isObject(value) && typeof value.id === 'string' && isObject(value.account) && 'content' in value;
}

/** The id as a BigInt (Mastodon ids are numeric strings beyond 2^53), or undefined when it is not one. */
export function statusIdOf(value: unknown): bigint | undefined {
  const id = isObject(value) ? value.id : undefined;
  return typeof id === 'string' && DECIMAL_ID.test(id) ? BigInt(id) : undefined;
}

function mentionRefs(status: Json, host: string): MentionRef[] {
  if (!Array.isArray(status.mentions)) return [];
  return status.mentions.filter(isObject).flatMap((m) => {
    const acct = str(m.acct);
    return acct ? [{ url: str(m.url) ?? '', acct: fullAcct(acct, host) }] : [];
  });
}

function distinct(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase();
    if (value.length === 0 || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The text people read: the content warning (if any) above the content, as plain text. */
export function textOf(status: Json, host: string): string {
  const body = htmlToText(str(status.content) ?? '', mentionRefs(status, host));
  const warning = (str(status.spoiler_text) ?? '').trim();
  return warning ? `${warning}\n\n${body}`.trim() : body;
}

function refTo(status: Json, host: string): PostRef | null {
  const id = str(status.id);
  if (!id) return null;
  const account = isObject(status.account) ? status.account : {};
  const acct = str(account.acct);
  return { id, authorId: str(account.id) ?? null, username: acct ? fullAcct(acct, host) : null };
}

/** What the status is: a boost (repost), a quote (Mastodon 4.4+, also when it replies), a reply, or a post. */
export function kindOf(status: Json, host: string): { kind: PostKind; ref: PostRef | null } {
  if (isObject(status.reblog)) return { kind: 'repost', ref: refTo(status.reblog, host) };
  const quote = isObject(status.quote) ? status.quote : undefined;
  const quoted = quote && isObject(quote.quoted_status) ? quote.quoted_status : undefined;
  if (quoted && str(quoted.id)) return { kind: 'quote', ref: refTo(quoted, host) };
  if (quote && str(quote.quoted_status_id)) {
    return { kind: 'quote', ref: { id: str(quote.quoted_status_id) as string, authorId: null, username: null } };
  }
  const parent = str(status.in_reply_to_id);
  if (parent) {
    const parentAuthor = str(status.in_reply_to_account_id) ?? null;
    const mentioned = Array.isArray(status.mentions)
      ? status.mentions.filter(isObject).find((m) => parentAuthor !== null && m.id === parentAuthor)
      : undefined;
    const acct = mentioned ? str(mentioned.acct) : undefined;
    return {
      kind: 'reply',
      ref: { id: parent, authorId: parentAuthor, username: acct ? fullAcct(acct, host) : null },
    };
  }
  return { kind: 'post', ref: null };
}

/**
 * A status as a v2 event (`network: 'mastodon'`); a reason for what is unusable. A boost's text,
 * hashtags and mentions are those of the boosted status (the boost itself has none), its author
 * the booster. `instanceHost` is the host of the instance the status was read from.
 */
export function readMastodonStatus(
  value: unknown,
  instanceHost: string,
  source: PostSource = 'mastodon',
): PayloadOutcome {
  if (!isMastodonStatus(value)) return bad('not a Mastodon status (id, account, content)');
  const status = value;
  const id = status.id as string;
  const account = status.account as Json;
  const acct = str(account.acct);
  if (!acct) return bad(`status ${id}: account without acct`);
  const created = Date.parse(str(status.created_at) ?? '');
  if (Number.isNaN(created)) return bad(`status ${id}: created_at ${JSON.stringify(status.created_at)} is not a time`);
  const shown = isObject(status.reblog) ? status.reblog : status;
  const what = kindOf(status, instanceHost);
  const tags = Array.isArray(shown.tags) ? shown.tags.filter(isObject).map((t) => str(t.name) ?? '') : [];
  const event: PostEvent = {
    v: 2,
    id,
    text: textOf(shown, instanceHost),
    createdAt: new Date(created).toISOString(),
    lang: str(shown.language) || str(status.language) || null,
    author: {
      id: str(account.id) ?? '',
      username: fullAcct(acct, instanceHost),
      name: str(account.display_name) || str(account.username) || '',
    },
    hashtags: distinct(tags.map((t) => t.replace(/^#/, ''))),
    mentions: distinct(mentionRefs(shown, instanceHost).map((m) => m.acct)),
    source,
    network: 'mastodon',
    kind: what.kind,
    ref: what.ref,
    truncated: false,
  };
  const checked = validateTweetEvent(event);
  return checked.ok ? { kind: 'event', event: checked.event } : bad(`status ${id} by ${acct}: ${checked.reason}`);
}
