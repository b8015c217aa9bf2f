/** An X that accepts requests and never answers: the first Ctrl-C still stops the source at once. */
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceState } from '../../src/ingest/sources/source.js';
import { twitterSource } from '../../src/ingest/sources/twitter.js';
import { type FakeXServer, startFakeXServer } from '../helpers/fake-x-server.js';

let x: FakeXServer | undefined;
afterEach(async () => {
  await x?.close();
  x = undefined;
});

async function stopsOnAbortWhile(hang: 'rules' | 'stream', waitingState: SourceState['state']): Promise<SourceState[]> {
  x = await startFakeXServer({ bearerToken: 'tok-0123456789', hang });
  const states: SourceState[] = [];
  const source = twitterSource({
    stack: 'hang',
    credentials: { bearerToken: 'tok-0123456789' },
    keywords: ['aws'],
    apiUrl: x.url,
    onState: (state) => states.push(state),
  });
  const controller = new AbortController();
  const reading = (async () => {
    for await (const _ of source.items(controller.signal)) {
      // nothing arrives from a hung X
    }
  })();
  while (!states.some((s) => s.state === waitingState)) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  await reading;
  return states;
}

describe('X hangs', () => {
  it('while the rules are synced: Ctrl-C stops the source without waiting for an answer', async () => {
    const states = await stopsOnAbortWhile('rules', 'syncing-rules');
    expect(states.at(-1)?.state).toBe('stopped');
  });

  it('while the stream connects: Ctrl-C stops the source without waiting for an answer', async () => {
    const states = await stopsOnAbortWhile('stream', 'connecting');
    expect(states.at(-1)?.state).toBe('stopped');
  });
});
