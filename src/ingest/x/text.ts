/** Text as people read it: X's three HTML escapes undone, entities in order of appearance. */
import { isObject, type Json } from './json.js';

const ESCAPED = /&(amp|lt|gt);/g;
const UNESCAPED: Record<string, string> = { amp: '&', lt: '<', gt: '>' };

/**
 * X escapes exactly `&`, `<` and `>` in post text (both API versions, full text and entities'
 * display text alike) and nothing else, so exactly those three are undone, in one pass: `&amp;lt;`
 * was typed as `&lt;` and stays so. Other entities (`&quot;`, `&#39;`) are what the author typed.
 */
export function unescapeXText(text: string): string {
  return text.includes('&') ? text.replace(ESCAPED, (_, name: string) => UNESCAPED[name] as string) : text;
}

/** Where an entity starts: v2 `start`, v1.1 `indices[0]`, else its position in the list. */
function startOf(item: Json, index: number): number {
  if (typeof item.start === 'number') return item.start;
  if (Array.isArray(item.indices) && typeof item.indices[0] === 'number') return item.indices[0];
  return index;
}

/** Entity values in order of appearance (X lists them that way, but nothing promises it). */
export function inOrder(items: unknown, pick: (item: Json) => string | undefined): string[] {
  if (!Array.isArray(items)) return [];
  return items
    .filter(isObject)
    .map((item, index) => ({ item, at: startOf(item, index) }))
    .sort((a, b) => a.at - b.at)
    .map(({ item }) => pick(item))
    .filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/** `first` followed by the values of `rest` it does not already hold (case-insensitive, as X handles are). */
export function withFirst(first: string, rest: string[]): string[] {
  const key = first.toLowerCase();
  return [first, ...rest.filter((value) => value.toLowerCase() !== key)];
}
