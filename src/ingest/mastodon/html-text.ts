/** A Mastodon status's HTML `content` as the plain text people read: paragraphs, line breaks, links, mentions. */
import { decodeHTML } from 'entities';

/**
 * Mastodon sanitises `content` to a small set of tags (its `Sanitize::Config::MASTODON_STRICT`):
 * `p`, `br`, `span`, `a`, and on newer servers `b`/`i`/`u`/`del`/`pre`/`code`/`blockquote`/`ul`/`ol`/`li`.
 * That is few enough for a careful converter here instead of a general HTML-to-text library:
 * - `<p>` ends a paragraph (a blank line between paragraphs), `<br>` is a line break;
 * - a link keeps its visible text, except a link Mastodon shortened for display (its URL split
 *   into `invisible` and `ellipsis` spans: `example.com/very/lo…`), which becomes its full `href`;
 * - a mention (`<a class="u-url mention">@<span>alice</span></a>`) reads `@alice@instance`, from the
 *   status's `mentions` (matched by URL), else from the link's host;
 * - hashtags keep their `#tag` text; entities are decoded (`&amp;`, `&#39;`, `&hellip;`, numeric ones);
 * - a quote post's `<p class="quote-inline">RE: …</p>` (Mastodon 4.4 adds it for old clients) is dropped,
 *   since the quoted post is named by the event's `ref`.
 */
export interface MentionRef {
  /** The account's profile URL, as in the status's `mentions[].url`. */
  url: string;
  /** `user@instance` (already completed with the reading instance for a local account). */
  acct: string;
}

const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<!--[\s\S]*?-->|([^<]+)|(<)/g;
const ATTR = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

function attributesOf(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const match of text.matchAll(ATTR)) {
    const name = (match[1] as string).toLowerCase();
    attrs[name] = decodeHTML(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attrs;
}

const classesOf = (attrs: Record<string, string>) => new Set((attrs.class ?? '').split(/\s+/).filter(Boolean));

interface OpenLink {
  href: string;
  mention: boolean;
  shortened: boolean;
  text: string;
}

/** Converts `content`; total (unknown tags are dropped, their text kept). */
export function htmlToText(html: string, mentions: readonly MentionRef[] = []): string {
  let out = '';
  let link: OpenLink | undefined;
  // Depth inside an element whose text is not shown (`invisible` spans are shown for links only).
  let skipDepth = 0;
  const spans: ('invisible' | 'other')[] = [];
  const emit = (text: string) => {
    if (skipDepth > 0) return;
    if (link) link.text += text;
    else out += text;
  };
  const paragraphBreak = () => {
    if (link) return;
    out = out.replace(/[ \t]+$/, '');
    if (out.length > 0 && !out.endsWith('\n\n')) out += out.endsWith('\n') ? '\n' : '\n\n';
  };
  let quoteDepth = 0;
  for (const match of html.matchAll(TOKEN)) {
    const [, closing, rawTag, rawAttrs, text, lone] = match;
    if (text !== undefined || lone !== undefined) {
      if (quoteDepth === 0) emit(decodeHTML(text ?? '<'));
      continue;
    }
    if (rawTag === undefined) continue; // a comment
    const tag = rawTag.toLowerCase();
    const attrs = closing ? {} : attributesOf(rawAttrs ?? '');
    if (tag === 'p' || tag === 'blockquote' || tag === 'pre' || tag === 'ul' || tag === 'ol') {
      if (tag === 'p' && !closing && classesOf(attrs).has('quote-inline')) quoteDepth += 1;
      else if (tag === 'p' && closing && quoteDepth > 0) {
        quoteDepth -= 1;
        continue;
      }
      if (quoteDepth === 0) paragraphBreak();
      continue;
    }
    if (quoteDepth > 0) continue;
    if (tag === 'br') {
      emit('\n');
      continue;
    }
    if (tag === 'li') {
      if (!closing) {
        if (out.length > 0 && !out.endsWith('\n')) out += '\n';
        out += '- ';
      }
      continue;
    }
    if (tag === 'a') {
      if (!closing) {
        const classes = classesOf(attrs);
        link = {
          href: attrs.href ?? '',
          mention: classes.has('mention') && !classes.has('hashtag'),
          shortened: false,
          text: '',
        };
      } else if (link) {
        const done = link;
        link = undefined;
        out += linkText(done, mentions);
      }
      continue;
    }
    if (tag === 'span') {
      if (!closing) {
        const classes = classesOf(attrs);
        const hidden = classes.has('invisible') || classes.has('ellipsis');
        if (hidden && link) link.shortened = true;
        spans.push(classes.has('invisible') ? 'invisible' : 'other');
        if (classes.has('invisible') && !link) skipDepth += 1;
      } else if (spans.pop() === 'invisible' && !link && skipDepth > 0) skipDepth -= 1;
    }
    // Any other tag (b, i, code, …): its text is kept, the tag dropped.
  }
  if (link) out += linkText(link, mentions);
  return out
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function linkText(link: OpenLink, mentions: readonly MentionRef[]): string {
  if (link.mention) {
    const known = mentions.find((m) => m.url === link.href);
    if (known) return `@${known.acct}`;
    const name = link.text.trim().replace(/^@/, '');
    if (name.includes('@')) return `@${name}`;
    try {
      return `@${name}@${new URL(link.href).hostname}`;
    } catch {
      return `@${name}`;
    }
  }
  if (link.shortened && link.href) return link.href;
  return link.text.length > 0 ? link.text : link.href;
}
