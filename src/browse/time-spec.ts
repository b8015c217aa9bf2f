import { UsageError } from '../errors.js';

/**
 * Time bounds for `--since`, `--until` and `--lookback`: relative durations (`30s`, `10m`, `2h`,
 * `3d`, `1w`) counted back from now, or absolute dates and times. Absolute values without a zone
 * are local time, like the times browse prints.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/;
const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A duration like `30s`, `10m`, `2h`, `3d`, `1w` in ms; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[(match[2] as string).toLowerCase() as keyof typeof UNIT_MS]);
}

function validLocal(year: number, month: number, day: number, ...time: number[]): number | undefined {
  const date = new Date(year, month - 1, day, ...(time as [number, number, number, number]));
  // new Date rolls 2026-02-31 over to March; a date that does not round-trip is not a date.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return undefined;
  return date.getTime();
}

function parseAbsolute(text: string): number | undefined {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [, y, m, d] = dateOnly.map(Number) as number[];
    return validLocal(y as number, m as number, d as number, 0, 0, 0, 0);
  }
  const local = LOCAL_DATE_TIME.exec(text);
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
    if ((h as number) > 23 || (mi as number) > 59 || (s as number) > 59) return undefined;
    // Fractions are milliseconds: ".5" is 500 ms.
    const ms = local[7] ? Number(local[7].padEnd(3, '0')) : 0;
    return validLocal(y as number, mo as number, d as number, h as number, mi as number, s as number, ms);
  }
  if (ZONED_DATE_TIME.test(text)) {
    const parsed = Date.parse(text.replace(' ', 'T'));
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/**
 * Parses a time bound to epoch ms: a duration means that long before `nowMs`.
 * @throws UsageError naming the flag, with examples, when the text is neither.
 */
export function parseTimeBound(flag: string, text: string, nowMs: number): number {
  const trimmed = text.trim();
  const duration = parseDuration(trimmed);
  if (duration !== undefined) return nowMs - duration;
  const absolute = parseAbsolute(trimmed);
  if (absolute !== undefined) return absolute;
  throw new UsageError(`--${flag} "${text}" is not a time: use a duration like 30s, 10m, 2h, 3d or a date/time`, {
    hint: `For example --${flag} 2h, or --${flag} 2026-11-25T20:00 (local time), or --${flag} 2026-11-25T20:00:00Z.`,
    code: 'BAD_TIME',
  });
}

/** Parses a positive duration flag (like `--lookback 30s`). */
export function parseDurationFlag(flag: string, text: string): number {
  const duration = parseDuration(text);
  if (duration === undefined || duration <= 0) {
    throw new UsageError(`--${flag} "${text}" is not a duration`, {
      hint: `Use a number with a unit, for example --${flag} 30s, --${flag} 500ms or --${flag} 2m.`,
      code: 'BAD_DURATION',
    });
  }
  return duration;
}
