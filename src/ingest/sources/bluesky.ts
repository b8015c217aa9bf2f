/** The Bluesky source: Jetstream's posts, filtered by keyword, with handles, a stored cursor and an optional capture. */

import type { HandleCache } from '../bluesky/handle-cache.js';
import {
  JETSTREAM_STALL_TIMEOUT_MS,
  type JetstreamMessage,
  jetstreamEndpoint,
  jetstreamLoop,
} from '../bluesky/jetstream-connection.js';
import { eventKeyOf, identityOf, readJetstreamEvent } from '../bluesky/jetstream-event.js';
import { CursorKeeper, saveHandles } from '../bluesky/saved-state.js';
import { keywordMatcher } from '../keyword-filter.js';
import type { RawRecorder } from '../raw-recorder.js';
import { ReconnectPolicy } from '../reconnect-policy.js';
import { ItemQueue } from './item-queue.js';
import { excerptOf, type IngestSource, type SourceState } from './source.js';

/**
 * Bluesky through Jetstream: a WebSocket of JSON events, no account, no server-side text filter.
 * Posts are filtered here by the keywords; identity events fill the handle cache, and a post by
 * an author not in it waits a moment (`handleWaitMs`) for a profile lookup, else keeps the DID.
 *
 * Nothing is lost or sent twice across reconnects and restarts: every connection asks Jetstream
 * to replay from the newest `time_us` received (`cursor`, inclusive), and messages before it, or at
 * it and already seen, are dropped as duplicates; the cursor file holds the newest `time_us` dealt with (handed to the
 * producer, or filtered out), so a new run continues there.
 */
export interface BlueskySourceOptions {
  keywords: readonly string[];
  /** Jetstream endpoint (default `STREAMPROC_JETSTREAM_URL`, else Bluesky's public instance). */
  url: string;
  handles: HandleCache;
  /** Where the cursor is kept between runs; undefined: start at now, keep nothing. */
  cursorFile?: string;
  /** Where the handle cache is saved at the end, for the next run (loaded by the caller). */
  handlesFile?: string;
  /** The stored cursor to start from (read by the caller, so that it can say so). */
  startCursor?: number;
  /** The events at exactly `startCursor` that the stored run dealt with (see StoredCursor.keys). */
  startKeys?: string[];
  /** `--record`: every message received (duplicates excepted), as a line. */
  recorder?: RawRecorder;
  /** How long a post by an unknown author waits for its handle (default 1 s). */
  handleWaitMs?: number;
  stallTimeoutMs?: number;
  /** Test-only: multiplies the back-off delays (see ReconnectPolicy). Default 1. */
  timeScale?: number;
  /** Messages held while the producer is busy; beyond it the socket is paused (default 10,000). */
  maxQueued?: number;
  /** Seconds between cursor saves (default 1). */
  cursorSaveEveryMs?: number;
  onState?: (state: SourceState) => void;
}

/** Counters the summary and tests read. */
export interface BlueskyStats {
  received: number;
  duplicates: number;
  filteredOut: number;
}

export function blueskySource(options: BlueskySourceOptions): IngestSource & { stats: BlueskyStats } {
  const endpoint = jetstreamEndpoint(options.url);
  const matches = keywordMatcher(options.keywords);
  const onState = options.onState ?? (() => {});
  const stats: BlueskyStats = { received: 0, duplicates: 0, filteredOut: 0 };
  return {
    name: 'bluesky',
    stats,
    async *items(signal) {
      onState({ state: 'starting' });
      const keeper = options.cursorFile
        ? new CursorKeeper(options.cursorFile, endpoint.toString(), options.cursorSaveEveryMs)
        : undefined;
      let newest = options.startCursor;
      // The events at `newest` already seen; undefined: all of them (a cursor stored without keys).
      let seenAtNewest: Set<string> | undefined = options.startKeys ? new Set(options.startKeys) : undefined;
      const queue = new ItemQueue<JetstreamMessage>(options.maxQueued ?? 10_000);
      const stop = new AbortController();
      const onAbort = () => {
        stop.abort();
        queue.close();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const loop = jetstreamLoop(
        {
          endpoint,
          policy: new ReconnectPolicy({ scale: options.timeScale ?? 1 }),
          stallTimeoutMs: options.stallTimeoutMs ?? JETSTREAM_STALL_TIMEOUT_MS,
          cursor: () => newest,
          accept: (message) => {
            if (message.timeUs !== undefined) {
              // The cursor replays inclusively: what is older than the newest seen, or as old and
              // seen (by key: two events may share a time_us), was seen.
              const key = eventKeyOf(message.value);
              const seen = message.timeUs === newest && (seenAtNewest === undefined || seenAtNewest.has(key));
              if (newest !== undefined && (message.timeUs < newest || seen)) {
                stats.duplicates += 1;
                message.duplicate = true;
                return true;
              }
              if (message.timeUs !== newest || seenAtNewest === undefined) seenAtNewest = new Set();
              newest = message.timeUs;
              seenAtNewest.add(key);
            }
            stats.received += 1;
            options.recorder?.write(message.raw);
            return true;
          },
          onState,
        },
        queue,
        stop.signal,
      ).then(
        () => queue.close(),
        (error) => queue.close(error),
      );
      let messageNo = 0;
      let reported: string | undefined;
      try {
        for await (const message of queue) {
          messageNo += 1;
          // A cursor that cannot be saved is said once per new reason; the run goes on.
          if (keeper?.failure && keeper.failure !== reported) {
            reported = keeper.failure;
            yield { kind: 'notice', notice: { line: messageNo, kind: 'cursor-not-saved', detail: reported } };
          }
          // Every item yielded before was handed on (the generator resumes only then).
          const done = () => {
            if (message.timeUs !== undefined) keeper?.advance(message.timeUs, eventKeyOf(message.value));
          };
          if (message.duplicate) {
            yield {
              kind: 'notice',
              notice: {
                line: messageNo,
                kind: 'duplicate',
                detail: `time_us ${message.timeUs} replayed by Jetstream, dropped`,
              },
            };
            continue;
          }
          if (message.value === undefined) {
            done();
            yield {
              kind: 'bad',
              bad: { line: messageNo, reason: 'not a JSON text message', excerpt: excerptOf(message.raw) },
            };
            continue;
          }
          const identity = identityOf(message.value);
          if (identity) options.handles.set(identity.did, identity.handle);
          let outcome = readJetstreamEvent(message.value, options.handles.get);
          if (outcome.kind === 'event') {
            if (!matches(outcome.event)) {
              stats.filteredOut += 1;
              done();
              yield {
                kind: 'notice',
                notice: {
                  line: messageNo,
                  kind: 'filtered-out',
                  detail: `post ${outcome.event.id} matches no keyword`,
                },
              };
              continue;
            }
            if (outcome.event.author.username === outcome.event.author.id) {
              const found = await options.handles.resolve(
                outcome.event.author.id,
                options.handleWaitMs ?? 1_000,
                signal,
              );
              if (found) outcome = readJetstreamEvent(message.value, options.handles.get);
            }
          }
          if (outcome.kind === 'event') {
            yield { kind: 'event', event: outcome.event, handed: done };
          } else if (outcome.kind === 'notice') {
            done();
            yield { kind: 'notice', notice: { line: messageNo, ...outcome.notice } };
          } else {
            done();
            yield { kind: 'bad', bad: { line: messageNo, reason: outcome.reason, excerpt: excerptOf(message.raw) } };
          }
        }
      } finally {
        stop.abort();
        signal.removeEventListener('abort', onAbort);
        await loop;
        await keeper?.flush();
        const handlesProblem = options.handlesFile
          ? await saveHandles(options.handlesFile, options.handles)
          : undefined;
        await options.recorder?.close();
        const problems = [
          keeper?.failure,
          handlesProblem,
          options.recorder?.problem && `--record: ${options.recorder.problem}`,
        ];
        const detail = problems.filter((p): p is string => Boolean(p)).join('; ');
        onState(detail ? { state: 'stopped', detail } : { state: 'stopped' });
      }
    },
  };
}
