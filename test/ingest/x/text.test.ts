import { describe, expect, it } from 'vitest';
import { readPayload } from '../../../src/ingest/normalise.js';
import { unescapeXText } from '../../../src/ingest/x/text.js';

describe("X's HTML escapes", () => {
  it('undoes exactly &amp;, &lt; and &gt;, in one pass', () => {
    expect(unescapeXText('a &amp; b &lt;3 &gt; c')).toBe('a & b <3 > c');
    // Someone who typed "&lt;" is sent "&amp;lt;" and must read "&lt;" again.
    expect(unescapeXText('&amp;lt;b&amp;gt;')).toBe('&lt;b&gt;');
  });

  it('leaves entities X does not escape as the author typed them', () => {
    expect(unescapeXText('&quot;hi&quot; &#39;x&#39; &nbsp; &amp')).toBe('&quot;hi&quot; &#39;x&#39; &nbsp; &amp');
  });

  it('unescapes the stored text of v1.1 and v2 posts alike', () => {
    const v1 = readPayload({
      id_str: '5',
      created_at: 'Thu Apr 06 15:24:15 +0000 2017',
      full_text: 'fish &amp; chips &lt;3',
      user: { id_str: '9', screen_name: 'someone', name: 'Some One' },
    });
    const v2 = readPayload({
      data: { id: '1', text: 'a &gt; b', author_id: '2', created_at: '2023-01-01T00:00:00Z' },
      includes: { users: [{ id: '2', username: 'u', name: 'U' }] },
    });
    expect([v1, v2].map(([o]) => o?.kind === 'event' && o.event.text)).toEqual(['fish & chips <3', 'a > b']);
  });
});

describe('what a payload is, beyond the corpus', () => {
  it('reads a site-stream envelope as the message it wraps', () => {
    const [outcome] = readPayload({
      for_user: '1888',
      message: { delete: { status: { id_str: '7', user_id_str: '8' } } },
    });
    expect(outcome).toEqual({ kind: 'notice', notice: { kind: 'delete', detail: 'post 7 by user 8 deleted' } });
  });

  it('keeps a v2 message with data and partial errors: the post, then the errors as notices', () => {
    const outcomes = readPayload({
      data: { id: '1', text: 't', author_id: '2', created_at: '2023-01-01T00:00:00Z' },
      includes: { users: [{ id: '2', username: 'u', name: 'U' }] },
      errors: [{ title: 'Not Found Error', detail: 'Could not find user with ids: [3].' }],
    });
    expect(outcomes.map((o) => o.kind)).toEqual(['event', 'notice']);
  });

  it('still says why a v2 post without its author cannot be stored', () => {
    expect(readPayload({ data: [{ id: '1', text: 't', author_id: '2', created_at: '2023-01-01T00:00:00Z' }] })).toEqual(
      [{ kind: 'bad', reason: 'tweet 1: author 2 is not in includes.users (request expansions=author_id)' }],
    );
  });

  it('calls an object that is neither a post, a notice nor an event a bad line', () => {
    expect(readPayload({ hello: 'world' })).toEqual([
      { kind: 'bad', reason: 'neither a v2 message, a v1.1 status nor a streamproc event' },
    ]);
  });
});

describe('a v1.1 REST response written as one line', () => {
  it('yields each status of the list', () => {
    const status = (id: string) => ({
      id_str: id,
      created_at: 'Thu Apr 06 15:24:15 +0000 2017',
      text: `post ${id}`,
      user: { id_str: '9', screen_name: 'someone', name: 'Some One' },
    });
    const outcomes = readPayload([status('5'), status('6')]);
    expect(outcomes.map((o) => o.kind === 'event' && o.event.id)).toEqual(['5', '6']);
    expect(readPayload([])).toEqual([{ kind: 'bad', reason: 'not a JSON object' }]);
  });
});
