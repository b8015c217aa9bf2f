/** streamproc init: ask for (or take from flags) a stack's settings and save them. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import { runInit } from '../config/init.js';
import { type RedactedStackSettings, redactStackSettings } from '../config/redact.js';
import { DEFAULT_STACK_NAME } from '../config/settings.js';
import { loadSettings } from '../config/store.js';
import { renderKeyValues } from '../ui/table.js';

export interface InitJson {
  stack: string;
  created: boolean;
  default: boolean;
  configFile: string;
  settings: RedactedStackSettings;
}

export default class Init extends StreamprocCommand<typeof Init> {
  static description =
    `Create or update a stack's settings: target, AWS region and profile, X API credentials, the Mastodon instance and access token, keywords, retention.

On a terminal it asks for each value, showing the current one as the default; secrets are typed masked and shown only as "set (ends …a1b2)". Every question has a flag and an environment variable, so scripts run \`init --yes\` with flags. Without a terminal and without --yes, a new stack needs --target and --keywords.

Settings live in $XDG_CONFIG_HOME/streamproc/config.json (override the directory with STREAMPROC_CONFIG_DIR), written atomically with mode 0600. AWS secret keys are never stored: the aws target uses the standard AWS credential chain.

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Answer the questions for the default stack.' },
    {
      command: '<%= config.bin %> <%= command.id %> --yes --stack demo --keywords "aws,lambda"',
      description: 'Create a local stack non-interactively.',
    },
    {
      command:
        'TWITTER_BEARER_TOKEN=... <%= config.bin %> <%= command.id %> --yes --stack prod --target aws --region eu-west-1',
      description: 'An AWS stack, with the bearer token from the environment (keeps it out of shell history).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --stack demo --json --yes',
      description: 'Print the settings, redacted.',
    },
  ];
  static flags = {
    default: Flags.boolean({ description: 'Make this the default stack (the first stack always is).' }),
    'ingest-as': Flags.string({
      description:
        "aws target: who `ingest` sends as by default: producer (the stack's producer identity) or operator (your credentials).",
      options: ['producer', 'operator'],
    }),
    'mastodon-instance': Flags.string({
      description: 'The Mastodon instance `ingest --mastodon` streams from (default https://mastodon.social).',
      env: 'MASTODON_INSTANCE',
    }),
    'mastodon-token': Flags.string({
      description:
        'A Mastodon access token for that instance (many instances need one for streaming); stored like the X tokens, shown redacted. Empty removes it.',
      env: 'MASTODON_ACCESS_TOKEN',
    }),
    keywords: Flags.string({
      description: 'Keywords the X filtered stream tracks, comma-separated.',
      env: 'STREAMPROC_KEYWORDS',
    }),
    profile: Flags.string({ description: 'AWS profile to use for the aws target (default: the standard chain).' }),
    region: Flags.string({ description: 'AWS region for the aws target (default: AWS_REGION).' }),
    'retention-days': Flags.integer({
      description: 'Days items stay in the table before DynamoDB TTL removes them.',
      env: 'STREAMPROC_RETENTION_DAYS',
    }),
    target: Flags.string({
      description: 'Where the pipeline runs.',
      env: 'STREAMPROC_TARGET',
      options: ['local', 'aws'],
    }),
    'twitter-access-token': Flags.string({ description: 'X access token (OAuth 1.0a).', env: 'TWITTER_ACCESS_TOKEN' }),
    'twitter-access-token-secret': Flags.string({
      description: 'X access token secret (OAuth 1.0a).',
      env: 'TWITTER_ACCESS_TOKEN_SECRET',
    }),
    'twitter-api-key': Flags.string({ description: 'X API key (OAuth 1.0a consumer key).', env: 'TWITTER_API_KEY' }),
    'twitter-api-secret': Flags.string({ description: 'X API key secret.', env: 'TWITTER_API_SECRET' }),
    'twitter-bearer-token': Flags.string({
      description: 'X API bearer token (OAuth 2.0 app-only), used by the v2 filtered stream.',
      env: 'TWITTER_BEARER_TOKEN',
    }),
    yes: Flags.boolean({
      char: 'y',
      description: 'Ask nothing: take flags and environment, else current values, else defaults.',
    }),
  };

  async run(): Promise<InitJson> {
    const { flags } = this;
    const all = await loadSettings();
    const stack = flags.stack ?? all.defaultStack ?? DEFAULT_STACK_NAME;
    const result = await runInit({
      stack,
      makeDefault: flags.default,
      mode: flags.yes ? 'defaults' : this.interactive ? 'prompt' : 'strict',
      inputs: {
        target: flags.target,
        region: flags.region,
        profile: flags.profile,
        keywords: flags.keywords,
        retentionDays: flags['retention-days'],
        ingestAs: flags['ingest-as'] as 'producer' | 'operator' | undefined,
        mastodon: { instance: flags['mastodon-instance'], token: flags['mastodon-token'] },
        twitter: {
          apiKey: flags['twitter-api-key'],
          apiSecret: flags['twitter-api-secret'],
          accessToken: flags['twitter-access-token'],
          accessTokenSecret: flags['twitter-access-token-secret'],
          bearerToken: flags['twitter-bearer-token'],
        },
      },
    });
    const settings = redactStackSettings(result.settings);
    this.say(`${result.created ? 'Created' : 'Updated'} stack "${result.stack}" in ${result.file}`);
    const rows: [string, string][] = [
      ['stack', result.stack + (result.isDefault ? ' (default)' : '')],
      ['target', settings.target],
      ...(settings.target === 'aws'
        ? ([
            ['region', settings.region ?? ''],
            ['profile', settings.profile ?? '(default credential chain)'],
            ['ingest as', settings.ingestAs ?? 'operator'],
          ] as [string, string][])
        : []),
      ['keywords', settings.keywords.join(', ')],
      ['retention', `${settings.retentionDays} days`],
      ...Object.entries(settings.twitter).map(([field, shown]) => [`x ${field}`, shown] as [string, string]),
      ['mastodon instance', settings.mastodon.instance],
      ['mastodon token', settings.mastodon.token],
    ];
    this.say(renderKeyValues(rows, this.color));
    this.say(`Next: streamproc deploy${result.isDefault ? '' : ` --stack ${result.stack}`}`);
    return {
      stack: result.stack,
      created: result.created,
      default: result.isDefault,
      configFile: result.file,
      settings,
    };
  }
}
