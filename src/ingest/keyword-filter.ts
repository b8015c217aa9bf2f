/** The client-side keyword filter for streams that cannot filter on the server (Bluesky's Jetstream). */
import type { TweetEvent } from '../../lambda/contract/tweet-event.js';

/**
 * A post matches when any keyword appears in its text as a whole word (or phrase: the words in
 * order, separated by any whitespace), or equals one of its hashtags; case-insensitive, Unicode
 * aware. `#tag` matches the hashtag only (in the text as `#tag`, or in the post's tags). "aws"
 * matches "AWS", "#aws" and "aws-lambda" but not "laws" or "awesome": the X filtered stream
 * matches keywords on word boundaries too.
 */
export type KeywordMatcher = (event: Pick<TweetEvent, 'text' | 'hashtags'>) => boolean;

const WORD_CHAR = '[\\p{L}\\p{N}\\p{M}_]';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Builds the matcher once (one regular expression for every keyword); keywords are trimmed, empty ones dropped. */
export function keywordMatcher(keywords: readonly string[]): KeywordMatcher {
  const words: string[] = [];
  const tags = new Set<string>();
  for (const raw of keywords) {
    const keyword = raw.trim().toLowerCase();
    if (keyword.length === 0) continue;
    if (keyword.startsWith('#') && keyword.length > 1) {
      tags.add(keyword.slice(1));
      words.push(`#${escapeRegExp(keyword.slice(1))}`);
      continue;
    }
    tags.add(keyword);
    words.push(keyword.split(/\s+/).map(escapeRegExp).join('\\s+'));
  }
  if (words.length === 0) return () => false;
  const pattern = new RegExp(`(?<!${WORD_CHAR})(?:${words.join('|')})(?!${WORD_CHAR})`, 'iu');
  return (event) => pattern.test(event.text) || event.hashtags.some((tag) => tags.has(tag.toLowerCase()));
}
