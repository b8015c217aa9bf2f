/**
 * Terminal display width of text: tweets carry emoji, CJK and combining marks, and a column that
 * counts UTF-16 units instead of terminal cells overflows the line. A grapheme cluster is the unit
 * (Intl.Segmenter), emoji and East Asian Wide / Fullwidth characters take two cells, marks and
 * joiners none.
 *
 * Written here rather than importing `string-width`: the installed copy (v4, pulled in by
 * cli-table3 and @oclif/core) is not a dependency of ours and predates Unicode 13 emoji.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]+$/u;
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}{2}|\u20E3/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is matched
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;

/** East Asian Wide (W) and Fullwidth (F) ranges, after Unicode's EastAsianWidth.txt (condensed). */
const WIDE_RANGES: readonly [number, number][] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f2ff],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWideCodePoint(codePoint: number): boolean {
  let low = 0;
  let high = WIDE_RANGES.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [start, end] = WIDE_RANGES[middle] as [number, number];
    if (codePoint < start) high = middle - 1;
    else if (codePoint > end) low = middle + 1;
    else return true;
  }
  return false;
}

const ZERO_WIDTH_CODE_POINT = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]$/u;

/**
 * Cells one grapheme cluster occupies. An emoji sequence takes two. Otherwise terminals add up
 * their code points the way wcwidth does: nonspacing marks none, spacing marks (the Devanagari
 * vowel signs, say) one, wide characters two; counting such a cluster as one cell would let a
 * Hindi line run past the edge.
 */
export function graphemeWidth(grapheme: string): number {
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (EMOJI_PRESENTATION.test(grapheme)) return 2;
  let width = 0;
  for (const char of grapheme) {
    if (ZERO_WIDTH_CODE_POINT.test(char)) continue;
    width += isWideCodePoint(char.codePointAt(0) ?? 0) ? 2 : 1;
  }
  return width;
}

/** Display width of text without escape sequences (strip ANSI first). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** One line: newlines, tabs and other control characters become single spaces, runs collapsed. */
export function oneLine(text: string): string {
  return text
    .replace(/\r\n|\r|\n|\u2028|\u2029/g, ' ')
    .replace(CONTROL, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Cuts text to at most `width` cells, ending in `…` when something was cut; never splits a
 * grapheme (an emoji family or a flag stays whole or goes).
 */
export function truncateToWidth(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const room = width - displayWidth(ellipsis);
  if (room < 0) return '';
  let used = 0;
  let out = '';
  for (const { segment } of segmenter.segment(text)) {
    const cells = graphemeWidth(segment);
    if (used + cells > room) break;
    out += segment;
    used += cells;
  }
  return out + ellipsis;
}

/** Truncates, then pads with spaces to exactly `width` cells (left-aligned). */
export function fitToWidth(text: string, width: number): string {
  const cut = truncateToWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/**
 * Lines of at most `width` cells: broken at spaces, and a word longer than the line (a path, an
 * ARN) broken between graphemes rather than cut, so nothing of a value is lost.
 */
export function wrapToWidth(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let used = 0;
  const push = () => {
    lines.push(line);
    line = '';
    used = 0;
  };
  for (const word of text.split(/ +/)) {
    const cells = displayWidth(word);
    if (used > 0 && used + 1 + cells <= width) {
      line += ` ${word}`;
      used += 1 + cells;
      continue;
    }
    if (used > 0) push();
    if (cells <= width) {
      line = word;
      used = cells;
      continue;
    }
    for (const { segment } of segmenter.segment(word)) {
      const w = graphemeWidth(segment);
      if (used + w > width) push();
      line += segment;
      used += w;
    }
  }
  if (used > 0 || lines.length === 0) push();
  return lines;
}
