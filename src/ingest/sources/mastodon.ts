/** The Mastodon source: an instance's public or hashtag streams, filtered by keyword, with the gap read after reconnects and an optional capture. */
import { keywordMatcher } from '../keyword-filter.js';
import { type MastodonStream, streamLabel } from '../mastodon/instance.js';
import { MASTODON_STALL_TIMEOUT_MS, type MastodonMessage, mastodonLoop } from '../mastodon/sse-connection.js';
import { statusIdOf } from '../mastodon/status.js';
import { captureLine, readMastodonEvent } from '../mastodon/stream-event.js';
import type { RawRecorder } from '../raw-recorder.js';
import { ReconnectPolicy } from '../reconnect-policy.js';
import { ItemQueue } from './item-queue.js';
import { excerptOf, type IngestSource, type SourceState } from './source.js';

/**
 * Mastodon's streaming API over server-sent events: one connection per stream (see
 * `streamsFor`), the access token (if any) as `Authorization: Bearer`. Statuses are filtered here
 * by the keywords (a hashtag stream's all match; the public stream's mostly do not).
 *
 * Nothing is lost or sent twice across reconnects: each stream remembers the newest status id it
 * received (ids compared as BigInt), and after a reconnect, once the new stream is open, reads the
 * statuses since then through the REST timeline before it reads the stream; every status id
 * received is remembered (the last {@link SEEN_IDS}), so one that comes twice (through the gap
 * read and the stream, or on two hashtag streams) is counted as a duplicate and dropped. An edit
 * (`status.update`) is a new delivery of the same id, sent again so that the item is overwritten.
 *
 * A new run starts at "now": unlike Jetstream's cursor, Mastodon's public timelines keep only
 * recent statuses and a restart would read them all again, so no position is stored.
 */
export interface MastodonSourceOptions {
  keywords: readonly string[];
  instance: URL;
  streams: MastodonStream[];
  token?: string;
  /** `--record`: every event received (duplicates excepted) as a capture line. */
  recorder?: RawRecorder;
  stallTimeoutMs?: number;
  /** Test-only: multiplies back-off delays and server-given waits. Default 1. */
  timeScale?: number;
  /** Messages held while the producer is busy; beyond it the stream is not read (default 10,000). */
  maxQueued?: number;
  onState?: (state: SourceState) => void;
}

/** Counters the summary's notices carry too; tests read them. */
export interface MastodonStats {
  received: number;
  duplicates: number;
  filteredOut: number;
  deleted: number;
  gapStatuses: number;
}

/** Status ids remembered for de-duplication (a few hours of a busy hashtag; ids are ~20 bytes). */
export const SEEN_IDS = 100_000;

export function mastodonSource(options: MastodonSourceOptions): IngestSource & { stats: MastodonStats } {
  const matches = keywordMatcher(options.keywords);
  const onState = options.onState ?? (() => {});
  const stats: MastodonStats = { received: 0, duplicates: 0, filteredOut: 0, deleted: 0, gapStatuses: 0 };
  const host = options.instance.hostname;
  return {
    name: 'mastodon',
    stats,
    async *items(signal) {
      onState({
        state: 'starting',
        detail: `${options.instance.host}: ${options.streams.map(streamLabel).join(', ')}`,
      });
      const seen = new Set<string>();
      const newest = new Map<string, bigint>();
      const queue = new ItemQueue<MastodonMessage>(options.maxQueued ?? 10_000);
      const stop = new AbortController();
      const onAbort = () => {
        stop.abort();
        queue.close();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const accept = (message: MastodonMessage): boolean => {
        if (message.notice) return true;
        const id =
          message.event === 'update' || message.event === 'status.update' ? statusIdOf(message.data) : undefined;
        if (id !== undefined) {
          const edited = (message.data as { edited_at?: unknown }).edited_at;
          const key = message.event === 'status.update' ? `${id}@${String(edited ?? '')}` : String(id);
          if (seen.has(key)) {
            stats.duplicates += 1;
            message.duplicate = true;
            return true;
          }
          seen.add(key);
          if (seen.size > SEEN_IDS) seen.delete(seen.values().next().value as string);
          const before = newest.get(message.stream);
          if (message.event === 'update' && (before === undefined || id > before)) newest.set(message.stream, id);
        }
        stats.received += 1;
        if (message.via === 'timeline') stats.gapStatuses += 1;
        options.recorder?.write(
          captureLine({
            mastodon: options.instance.origin,
            stream: message.stream,
            event: message.event,
            data: message.data,
            ...(message.via ? { via: message.via } : {}),
          }),
        );
        return true;
      };
      const loops = Promise.all(
        options.streams.map((stream) =>
          mastodonLoop(
            {
              instance: options.instance,
              stream,
              token: options.token,
              policy: new ReconnectPolicy({ scale: options.timeScale ?? 1 }),
              stallTimeoutMs: options.stallTimeoutMs ?? MASTODON_STALL_TIMEOUT_MS,
              timeScale: options.timeScale,
              newest: () => newest.get(streamLabel(stream)),
              accept,
              onState,
            },
            queue,
            stop.signal,
          ),
        ),
      ).then(
        () => queue.close(),
        (error) => {
          stop.abort();
          queue.close(error);
        },
      );
      let messageNo = 0;
      try {
        for await (const message of queue) {
          messageNo += 1;
          if (message.notice) {
            yield { kind: 'notice', notice: { line: messageNo, ...message.notice } };
            continue;
          }
          if (message.duplicate) {
            yield {
              kind: 'notice',
              notice: {
                line: messageNo,
                kind: 'duplicate',
                detail: `status ${String((message.data as { id?: unknown }).id)} received twice (${message.stream}), dropped`,
              },
            };
            continue;
          }
          const outcome = readMastodonEvent(message.event, message.data, host);
          if (outcome.kind === 'event') {
            if (!matches(outcome.event)) {
              stats.filteredOut += 1;
              yield {
                kind: 'notice',
                notice: {
                  line: messageNo,
                  kind: 'filtered-out',
                  detail: `status ${outcome.event.id} matches no keyword`,
                },
              };
              continue;
            }
            yield { kind: 'event', event: outcome.event };
          } else if (outcome.kind === 'notice') {
            if (outcome.notice.kind === 'delete') stats.deleted += 1;
            yield { kind: 'notice', notice: { line: messageNo, ...outcome.notice } };
          } else {
            yield { kind: 'bad', bad: { line: messageNo, reason: outcome.reason, excerpt: excerptOf(message.raw) } };
          }
        }
      } finally {
        stop.abort();
        signal.removeEventListener('abort', onAbort);
        await loops;
        await options.recorder?.close();
        const problem = options.recorder?.problem && `--record: ${options.recorder.problem}`;
        onState(problem ? { state: 'stopped', detail: problem } : { state: 'stopped' });
      }
    },
  };
}
