/** Reading X's JSON safely: object and string guards, exact ids, dates in both API versions. */

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** X sends ids as strings in v2 and as both number and `id_str` in v1.1; only strings are exact. */
export const idOf = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' && Number.isSafeInteger(value)
      ? String(value)
      : undefined;

/** The exact id of a v1.1 object: `<name>_str` first, the number only while it is exact. */
export const v1IdOf = (object: Json, name = 'id'): string | undefined =>
  str(object[`${name}_str`]) ?? idOf(object[name]);

const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};
const V1_DATE = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/;

/**
 * `Wed Oct 10 20:19:24 +0000 2018` (v1.1) → `2018-10-10T20:19:24.000Z`. Parsed by hand because
 * `Date.parse` of this format is implementation-defined.
 */
export function parseV1Date(text: string): string | undefined {
  const m = V1_DATE.exec(text);
  if (!m) return undefined;
  const [, mon, day, time, sign, oh, om, year] = m as unknown as string[];
  const month = MONTHS[mon as string];
  if (!month) return undefined;
  const ms = Date.parse(`${year}-${month}-${day}T${time}${sign}${oh}:${om}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Any ISO-ish instant → the contract's `…Z` form with milliseconds. */
export function isoInstant(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
