/** Client-side filters of browse (user, grep), applied to every item read. */
import { type EventItem, networkOfItem } from '../../lambda/contract/table-layout.js';

/** Client-side filters (the index cannot answer them): applied to every item read. */
export interface ItemFilter {
  /** Username without `@`, compared case-insensitively. */
  user?: string;
  /** Whose posts: `x`, `bluesky`, `mastodon`, `synthetic` (v1 items count as `x`, or `synthetic`). */
  network?: string;
  /** Case-insensitive substring of the text, username, display name or a hashtag (tweets); reason or raw (rejected). */
  grep?: string;
}

export function hasClientFilter(filter: ItemFilter): boolean {
  return Boolean(filter.user || filter.grep || filter.network);
}

export function matchesFilter(item: EventItem, filter: ItemFilter): boolean {
  if (filter.user) {
    if (item.kind !== 'tweet' || item.username.toLowerCase() !== filter.user.replace(/^@/, '').toLowerCase()) {
      return false;
    }
  }
  if (filter.network) {
    if (item.kind !== 'tweet') return false;
    if (networkOfItem(item) !== filter.network) return false;
  }
  if (filter.grep) {
    const needle = filter.grep.toLowerCase();
    const haystack =
      item.kind === 'tweet'
        ? [item.text, item.username, item.name, ...item.hashtags.map((tag) => `#${tag}`)]
        : [item.reason, item.raw];
    if (!haystack.some((field) => field.toLowerCase().includes(needle))) return false;
  }
  return true;
}
