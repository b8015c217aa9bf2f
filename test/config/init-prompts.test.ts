/** init's questions, answered through @inquirer/testing's screen as a user at a terminal would. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screen } from '@inquirer/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// Imported after @inquirer/testing/vitest so that its prompt mocks apply.
import { runInit } from '../../src/config/init.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamproc-prompts-'));
  file = join(dir, 'config.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TOKEN = 'AAAAbearer-token-typed-at-the-prompt-7f3e';
const MASTODON_TOKEN = 'mastodon-token-typed-at-the-prompt-9c1d';

/** Waits for the next question, checks that it asks `question`, types `text` if given, presses Enter. */
async function answer(question: string, text?: string): Promise<void> {
  await screen.next();
  expect(screen.getScreen()).toContain(question);
  if (text !== undefined) screen.type(text);
  screen.keypress('enter');
}

/** Presses Enter on the next `count` questions, whatever they are (keeps the shown default). */
async function acceptNext(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await screen.next();
    screen.keypress('enter');
  }
}

describe('init prompts (driven through @inquirer/testing)', () => {
  it('asks for each value, masks secrets, and saves what was answered', async () => {
    // Act: answer every question the way a user would.
    const done = runInit({ stack: 'demo', inputs: {}, mode: 'prompt', file, env: {} });

    await screen.next();
    expect(screen.getScreen()).toContain('Where should the pipeline run?');
    screen.keypress('down'); // aws
    screen.keypress('enter');

    await answer('AWS region', 'eu-west-1');
    await answer('AWS profile', 'work');
    await answer('Keywords to track', ', reinvent');
    await answer('Keep items for how many days');
    await answer('Set X (Twitter) API credentials now?', 'y');

    // apiKey, apiSecret, accessToken, accessTokenSecret, bearerToken: set only the bearer token.
    await acceptNext(4);
    await screen.next();
    expect(screen.getScreen()).toContain('bearer token');
    screen.type(TOKEN);
    expect(screen.getScreen()).not.toContain(TOKEN);
    screen.keypress('enter');

    // Mastodon: the instance (a bare host becomes its https origin), then the token, masked.
    await answer('Set the Mastodon instance and access token now?', 'y');
    await screen.next();
    expect(screen.getScreen()).toContain('Mastodon instance');
    expect(screen.getScreen()).toContain('https://mastodon.social');
    for (let i = 0; i < 'https://mastodon.social'.length; i++) screen.keypress('backspace');
    screen.type('fosstodon.org');
    screen.keypress('enter');
    await screen.next();
    expect(screen.getScreen()).toContain('Mastodon access token, optional');
    screen.type(MASTODON_TOKEN);
    expect(screen.getScreen()).not.toContain(MASTODON_TOKEN);
    screen.keypress('enter');

    const result = await done;

    // Assess
    expect(result.settings).toEqual({
      target: 'aws',
      region: 'eu-west-1',
      profile: 'work',
      keywords: ['aws', 'serverless', 'kinesis', 'reinvent'],
      retentionDays: 30,
      twitter: { bearerToken: TOKEN },
      mastodon: { instance: 'https://fosstodon.org', token: MASTODON_TOKEN },
    });
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved.stacks.demo.twitter.bearerToken).toBe(TOKEN);
    expect(saved.stacks.demo.mastodon.token).toBe(MASTODON_TOKEN);
  });

  it('re-validates a bad answer instead of accepting it', async () => {
    const done = runInit({ stack: 'demo', inputs: { target: 'aws' }, mode: 'prompt', file, env: {} });

    await screen.next();
    expect(screen.getScreen()).toContain('AWS region');
    for (let i = 0; i < 'us-east-1'.length; i++) screen.keypress('backspace');
    screen.type('moon');
    screen.keypress('enter');
    await screen.next();
    expect(screen.getScreen()).toContain('not an AWS region code');
    for (let i = 0; i < 4; i++) screen.keypress('backspace');
    screen.type('ap-south-1');
    screen.keypress('enter');

    await acceptNext(5); // profile, keywords, retention, X credentials?, Mastodon?

    const result = await done;
    expect(result.settings.region).toBe('ap-south-1');
    expect(result.settings.profile).toBeUndefined();
  });

  it('shows the current secret only by its last four characters and keeps it on Enter', async () => {
    await runInit({ stack: 'demo', inputs: { twitter: { bearerToken: TOKEN } }, mode: 'defaults', file, env: {} });

    const done = runInit({
      stack: 'demo',
      inputs: { target: 'local', keywords: 'a', retentionDays: 7 },
      mode: 'prompt',
      file,
      env: {},
    });
    await answer('Set X (Twitter) API credentials now?', 'y');
    await acceptNext(4);
    await screen.next();
    expect(screen.getScreen()).toContain('set (ends …7f3e)');
    expect(screen.getScreen()).not.toContain(TOKEN);
    screen.keypress('enter');
    await answer('Set the Mastodon instance and access token now?');

    const result = await done;
    expect(result.settings.twitter).toEqual({ bearerToken: TOKEN });
    expect(result.settings.retentionDays).toBe(7);
  });
});
