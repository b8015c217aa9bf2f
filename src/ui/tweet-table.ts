/** Browse's output: items as aligned, width-bounded lines. */
import {
  type EventItem,
  type ItemKind,
  networkOfItem,
  type RejectedItem,
  type TweetItem,
} from '../../lambda/contract/table-layout.js';
import { painter } from './style.js';
import { displayWidth, fitToWidth, oneLine, truncateToWidth } from './text-width.js';

/**
 * Browse's output: one line per item, in aligned columns without borders (like `tail` / `ps`),
 * sized to the terminal. Column widths are fixed once from the first items so that lines printed
 * later in follow mode stay aligned. No line is ever wider than `width` cells; emoji and CJK count
 * as two. The flexible column (text, or reason + raw) shrinks first; on narrow terminals the id
 * and language columns go, then the user column narrows.
 */

export interface ItemLayoutOptions {
  kind: ItemKind;
  /** Terminal width in cells (process.stdout.columns, 100 in pipes). */
  width: number;
  color: boolean;
  /** Epoch ms; items from another local day show their date. */
  now: number;
  /** Items that size the user / id columns (the first page). */
  sample: EventItem[];
}

export interface ItemLayout {
  header(): string;
  row(item: EventItem): string;
}

interface Column {
  title: string;
  width: number;
  /** Plain cell text (before fitting). */
  cell(item: EventItem): string;
  paint?: (text: string) => string;
}

const GAP = '  ';

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local `HH:MM:SS` today; `MM-DD HH:MM` for other days when the column has room. */
export function formatArrival(iso: string, now: number, wide: boolean): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '?';
  const today = new Date(now);
  const sameDay =
    date.getFullYear() === today.getFullYear() &&
    date.getMonth() === today.getMonth() &&
    date.getDate() === today.getDate();
  if (sameDay || !wide) return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, value));
}

function shortShard(shardId: string): string {
  const digits = /(\d+)$/.exec(shardId)?.[1];
  return digits === undefined ? shardId : String(Number(digits));
}

const NETWORK_LABELS: Record<string, string> = { x: 'x', bluesky: 'bsky', mastodon: 'mast', synthetic: 'syn' };

function tweetColumns(options: ItemLayoutOptions, timeWidth: number): { fixed: Column[][]; flex: Column[] } {
  const tweets = options.sample.filter((item): item is TweetItem => item.kind === 'tweet');
  const userWidth = clamp(Math.max(0, ...tweets.map((t) => displayWidth(t.username) + 1)), 6, 16);
  const idWidth = clamp(Math.max(0, ...tweets.map((t) => t.tweetId.length)), 19, 20);
  const paint = painter(options.color);
  const time: Column = {
    title: 'TIME',
    width: timeWidth,
    cell: (item) => formatArrival(item.arrivedAt, options.now, timeWidth >= 11),
    paint: paint.gray,
  };
  const user: Column = {
    title: 'USER',
    width: userWidth,
    cell: (item) => `@${(item as TweetItem).username}`,
    paint: paint.cyan,
  };
  const text: Column = { title: 'TEXT', width: 0, cell: (item) => oneLine((item as TweetItem).text) };
  const lang: Column = { title: 'LANG', width: 4, cell: (item) => (item as TweetItem).lang ?? '-', paint: paint.gray };
  const id: Column = { title: 'ID', width: idWidth, cell: (item) => (item as TweetItem).tweetId, paint: paint.gray };
  // Layouts from widest to narrowest; the first whose text column keeps ~20 cells wins.
  const narrowUser = { ...user, width: Math.min(userWidth, 10) };
  // As soon as a network other than X's (and synthetic tweets, X-shaped) is shown: whose each post is.
  const mixed = tweets.some((t) => networkOfItem(t) !== 'x' && networkOfItem(t) !== 'synthetic');
  const net: Column = {
    title: 'NET',
    width: 4,
    cell: (item) => NETWORK_LABELS[networkOfItem(item as TweetItem)] ?? '?',
    paint: paint.gray,
  };
  const withNet = (columns: Column[]) => (mixed ? [columns[0] as Column, net, ...columns.slice(1)] : columns);
  return {
    fixed: [
      withNet([time, user, text, lang, id]),
      withNet([time, user, text, lang]),
      withNet([time, user, text]),
      [time, narrowUser, text],
    ],
    flex: [text],
  };
}

function rejectedColumns(options: ItemLayoutOptions, timeWidth: number): { fixed: Column[][]; flex: Column[] } {
  const paint = painter(options.color);
  const time: Column = {
    title: 'TIME',
    width: timeWidth,
    cell: (item) => formatArrival(item.arrivedAt, options.now, timeWidth >= 11),
    paint: paint.gray,
  };
  const reason: Column = {
    title: 'REASON',
    width: 0,
    cell: (item) => oneLine((item as RejectedItem).reason),
    paint: paint.yellow,
  };
  const raw: Column = { title: 'RAW', width: 0, cell: (item) => oneLine((item as RejectedItem).raw) };
  const fullSeq = options.width >= 160;
  const seq: Column = {
    title: 'SEQ',
    width: fullSeq ? 56 : 13,
    cell: (item) => {
      const value = (item as RejectedItem).seq;
      return fullSeq || value.length <= 13 ? value : `…${value.slice(-12)}`;
    },
    paint: paint.gray,
  };
  const shard: Column = {
    title: 'SHARD',
    width: 5,
    cell: (item) => shortShard((item as RejectedItem).shardId),
    paint: paint.gray,
  };
  return {
    fixed: [
      [time, reason, raw, seq, shard],
      [time, reason, raw, seq],
      [time, reason, raw],
    ],
    flex: [reason, raw],
  };
}

export function itemLayout(options: ItemLayoutOptions): ItemLayout {
  const width = Math.max(1, Math.floor(options.width));
  const older = options.sample.some((item) => formatArrival(item.arrivedAt, options.now, true).includes('-'));
  const timeWidth = older ? 11 : 8;
  const { fixed, flex } =
    options.kind === 'tweet' ? tweetColumns(options, timeWidth) : rejectedColumns(options, timeWidth);
  const minFlex = 20 * flex.length;
  let columns = fixed[fixed.length - 1] as Column[];
  for (const candidate of fixed) {
    const used = candidate.reduce((sum, column) => sum + (flex.includes(column) ? 0 : column.width), 0);
    if (width - used - GAP.length * (candidate.length - 1) >= minFlex) {
      columns = candidate;
      break;
    }
  }
  const used = columns.reduce(
    (sum, column) => sum + (flex.some((f) => f.title === column.title) ? 0 : column.width),
    0,
  );
  const room = Math.max(flex.length, width - used - GAP.length * (columns.length - 1));
  const sized = columns.map((column) => {
    const index = flex.findIndex((f) => f.title === column.title);
    if (index < 0) return column;
    // Two flexible columns (reason, raw) share the room 2:3.
    const share =
      flex.length === 1 ? room : index === 0 ? Math.floor((room * 2) / 5) : room - Math.floor((room * 2) / 5);
    return { ...column, width: Math.max(1, share) };
  });
  const line = (cells: string[], paints: ((text: string) => string)[]) => {
    const fitted = cells.map((text, i) => {
      const column = sized[i] as Column;
      const last = i === sized.length - 1;
      return last ? truncateToWidth(text, column.width) : fitToWidth(text, column.width);
    });
    const plain = fitted.join(GAP).trimEnd();
    // Below the narrowest layout (a handful of cells) the columns themselves do not fit.
    if (displayWidth(plain) > width) return truncateToWidth(plain, width);
    return fitted
      .map((text, i) => (paints[i] ? (paints[i] as (text: string) => string)(text) : text))
      .join(GAP)
      .trimEnd();
  };
  const paint = painter(options.color);
  return {
    header: () =>
      line(
        sized.map((c) => c.title),
        sized.map(() => paint.bold),
      ),
    row: (item) =>
      line(
        sized.map((c) => c.cell(item)),
        sized.map((c) => c.paint ?? ((t: string) => t)),
      ),
  };
}

/** Header and rows of a whole page, newline-joined. */
export function renderItems(items: EventItem[], options: Omit<ItemLayoutOptions, 'sample'>): string {
  const layout = itemLayout({ ...options, sample: items });
  return [layout.header(), ...items.map((item) => layout.row(item))].join('\n');
}
