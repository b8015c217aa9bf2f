/** One Mastodon streaming event (`update`, `status.update`, `delete`, …) and its capture line, into posts or notices. */
import type { PostSource } from '../../../lambda/contract/tweet-event.js';
import { isObject, type Json, str } from '../x/json.js';
import { bad, type PayloadOutcome } from '../x/outcome.js';
import { readMastodonStatus } from './status.js';

/**
 * The streaming API (docs.joinmastodon.org/methods/streaming) sends server-sent events whose name
 * is the event type and whose `data` is JSON: `update` (a Status), `status.update` (an edited
 * Status, same id), `delete` (the deleted status's id, a bare string), and on user streams
 * `notification`, `filters_changed`, `announcement`… which a public or hashtag stream does not send.
 *
 * `--record` writes one line per event received (and per status read through REST to fill a gap):
 * `{"mastodon": "<instance origin>", "stream": "public" | "hashtag:<tag>", "event": "update", "data": …}`
 * with `data` parsed when it was JSON. `--file` replays such lines through {@link readMastodonCapture}.
 */
export interface MastodonCapture {
  mastodon: string;
  stream: string;
  event: string;
  data: unknown;
  /** `timeline` for a status read through REST after a reconnect (the gap), absent for the stream. */
  via?: 'timeline';
}

/**
 * An event's `data` as JSON, or as the text when it is not JSON or is a bare number: `delete`
 * sends a status id unquoted, and ids exceed 2^53, so `JSON.parse` would round it.
 */
export function parseEventData(raw: string): unknown {
  if (/^\s*[0-9]+\s*$/.test(raw)) return raw.trim();
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** True for a `--record` line of `--mastodon`. */
export function isMastodonCapture(value: Json): boolean {
  return typeof value.mastodon === 'string' && typeof value.event === 'string' && 'data' in value;
}

/** The capture line's JSON for an event (`data` as parsed). */
export function captureLine(capture: MastodonCapture): string {
  return JSON.stringify(capture);
}

const hostOf = (origin: string): string => {
  try {
    return new URL(origin).hostname;
  } catch {
    return origin;
  }
};

/**
 * What one event means. `update` and `status.update` are posts (an edit is sent again with the
 * same id, so the table item is overwritten with the new text: writes are idempotent puts);
 * `delete` is a notice (nothing is written; the item stays, as X deletes do); the rest are notices
 * by their name.
 */
export function readMastodonEvent(
  event: string,
  data: unknown,
  instanceHost: string,
  source: PostSource = 'mastodon',
): PayloadOutcome {
  if (event === 'update' || event === 'status.update') {
    if (!isObject(data)) return bad(`${event} event whose data is not a status object`);
    return readMastodonStatus(data, instanceHost, source);
  }
  if (event === 'delete') {
    const id = typeof data === 'string' || typeof data === 'number' ? String(data) : '?';
    return { kind: 'notice', notice: { kind: 'delete', detail: `status ${id} deleted` } };
  }
  return { kind: 'notice', notice: { kind: 'mastodon-event', title: event, detail: `${event} event` } };
}

/** A capture line (see {@link MastodonCapture}) as what it held. */
export function readMastodonCapture(value: Json, source: PostSource = 'replay'): PayloadOutcome {
  const event = str(value.event) ?? '';
  return readMastodonEvent(event, value.data, hostOf(str(value.mastodon) ?? ''), source);
}
