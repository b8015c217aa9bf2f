import { TWEET_EVENT_VERSION, type TweetEvent } from '../../lambda/contract/tweet-event.js';
import type { IngestSource, SourceItem } from '../../src/ingest/sources/source.js';

let counter = 0;

/** A valid event; ids are unique per call unless given. */
export function tweetEvent(overrides: Partial<TweetEvent> = {}): TweetEvent {
  counter += 1;
  return {
    v: TWEET_EVENT_VERSION,
    id: String(1_700_000_000_000_000_000n + BigInt(counter)),
    text: `tweet number ${counter} about #aws 🚀`,
    createdAt: '2024-05-01T12:00:00.000Z',
    lang: 'en',
    author: { id: String(100 + (counter % 37)), username: `user_${counter % 37}`, name: 'Test User' },
    hashtags: ['aws'],
    mentions: [],
    source: 'synthetic',
    ...overrides,
  };
}

/** A source over fixed items (events and bad inputs). */
export function listSource(items: SourceItem[]): IngestSource {
  return {
    name: 'synthetic',
    async *items(signal) {
      for (const item of items) {
        if (signal.aborted) return;
        yield item;
      }
    },
  };
}
