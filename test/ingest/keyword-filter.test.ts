/** The client-side keyword filter: words, phrases and hashtags, case-insensitive, on word boundaries. */
import { describe, expect, it } from 'vitest';
import { keywordMatcher } from '../../src/ingest/keyword-filter.js';

const post = (text: string, hashtags: string[] = []) => ({ text, hashtags });

describe('keywordMatcher', () => {
  const matches = keywordMatcher(['aws', 'Step Functions', '#serverless', 'café']);

  it.each([
    ['AWS re:Invent is on', true],
    ['new #aws launch', true],
    ['aws-lambda cold starts', true],
    ['the laws of physics', false],
    ['awesome weather', false],
    ['step   functions\nare neat', true],
    ['stepfunctions', false],
    ['I like #Serverless', true],
    ['serverless without the hash', false],
    ['un CAFÉ noir', true],
    ['cafés', false],
    ['🚀aws🚀', true],
  ])('%j → %s', (text, expected) => {
    expect(matches(post(text))).toBe(expected);
  });

  it('matches a hashtag the post carries outside its text (Bluesky tags)', () => {
    expect(matches(post('nothing here', ['Serverless']))).toBe(true);
    expect(matches(post('nothing here', ['AWS']))).toBe(true);
    expect(matches(post('nothing here', ['awsome']))).toBe(false);
  });

  it('escapes regular-expression characters and matches nothing without keywords', () => {
    expect(keywordMatcher(['c++'])(post('I write C++ daily'))).toBe(true);
    expect(keywordMatcher(['a.b'])(post('axb'))).toBe(false);
    expect(keywordMatcher([' ', ''])(post('anything'))).toBe(false);
  });
});
