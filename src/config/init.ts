/** The init service: which settings to ask for, asking, validating and saving them. */
import { UsageError } from '../errors.js';
import { configFile } from './paths.js';
import { describeSecret } from './redact.js';
import {
  DEFAULT_KEYWORDS,
  DEFAULT_MASTODON_INSTANCE,
  DEFAULT_RETENTION_DAYS,
  keywordsProblem,
  type MastodonSettings,
  mastodonInstanceProblem,
  normaliseInstance,
  parseKeywords,
  retentionProblem,
  type StackSettings,
  TARGETS,
  type Target,
  TWITTER_SECRET_FIELDS,
  type TwitterCredentials,
} from './settings.js';
import { regionProblem, stackNameProblem } from './stack-name.js';
import { loadSettings, saveSettings } from './store.js';

/** Values given on the command line or through the environment; each one skips its prompt. */
export interface InitInputs {
  target?: string;
  region?: string;
  profile?: string;
  keywords?: string;
  retentionDays?: number;
  twitter?: TwitterCredentials;
  /** `--mastodon-instance`, `--mastodon-token` (empty token: remove it). */
  mastodon?: MastodonSettings;
  /** `--ingest-as`: who ingest sends as by default (aws target). */
  ingestAs?: 'producer' | 'operator';
}

/** The questions init asks; the real one is inquirer, tests pass their own. */
export interface InitPrompter {
  select(options: { message: string; choices: { name: string; value: string }[]; default?: string }): Promise<string>;
  input(options: {
    message: string;
    default?: string;
    prefill?: 'tab' | 'editable';
    validate?: (value: string) => true | string;
  }): Promise<string>;
  password(options: { message: string }): Promise<string>;
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
}

export interface InitOptions {
  stack: string;
  inputs: InitInputs;
  /**
   * `prompt`: ask for every value not given (needs a TTY). `defaults` (`--yes`): take given values,
   * else the current ones, else defaults. `strict` (no TTY, no `--yes`): like defaults, but a new
   * stack needs its essential values given explicitly.
   */
  mode: 'prompt' | 'defaults' | 'strict';
  prompter?: InitPrompter;
  /** Make this the default stack (the first stack always becomes the default). */
  makeDefault?: boolean;
  /** Settings file; defaults to the user's config directory. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export interface InitResult {
  stack: string;
  created: boolean;
  isDefault: boolean;
  file: string;
  settings: StackSettings;
}

/** Flag names, for messages that tell a script what to pass. */
export const INIT_FLAG_NAMES = {
  target: '--target',
  region: '--region',
  profile: '--profile',
  keywords: '--keywords',
  retentionDays: '--retention-days',
  ingestAs: '--ingest-as',
  mastodonInstance: '--mastodon-instance',
} as const;

function check(problem: string | undefined, flag: string): void {
  if (problem) throw new UsageError(`${flag}: ${problem}`, { hint: `Pass a valid ${flag}.`, code: 'INVALID_FLAG' });
}

/** The region the AWS SDK would pick from the environment (empty counts as unset). */
const envRegion = (env: NodeJS.ProcessEnv) => env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;

const asValidator = (problemOf: (value: string) => string | undefined) => (value: string) => problemOf(value) ?? true;

async function inquirerPrompter(): Promise<InitPrompter> {
  const prompts = await import('@inquirer/prompts');
  return {
    select: (o) => prompts.select(o),
    input: (o) => prompts.input(o),
    password: (o) => prompts.password({ ...o, mask: '*' }),
    confirm: (o) => prompts.confirm(o),
  };
}

/**
 * Creates or updates one stack's settings, asking only for what was not given, and writes the
 * settings file once at the end: an interrupted init changes nothing.
 */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const env = options.env ?? process.env;
  const file = options.file ?? configFile(env);
  const nameProblem = stackNameProblem(options.stack);
  if (nameProblem) throw new UsageError(nameProblem, { hint: 'Pass a valid --stack NAME.', code: 'STACK_NAME' });

  const all = await loadSettings(file);
  const current = all.stacks[options.stack];
  const given = options.inputs;

  if (options.mode === 'strict' && !current) {
    const missing: string[] = [];
    if (given.target === undefined) missing.push(INIT_FLAG_NAMES.target);
    if (given.keywords === undefined) missing.push(INIT_FLAG_NAMES.keywords);
    if (given.target === 'aws' && given.region === undefined && !envRegion(env)) missing.push(INIT_FLAG_NAMES.region);
    if (missing.length > 0) {
      throw new UsageError(`init needs a terminal to prompt on, or these flags: ${missing.join(', ')}`, {
        hint: `Pass ${missing.join(' ')} (or --yes to accept defaults for the rest).`,
        code: 'NEEDS_FLAGS',
      });
    }
  }

  const prompter = options.mode === 'prompt' ? (options.prompter ?? (await inquirerPrompter())) : undefined;

  // Target.
  let target: Target;
  if (given.target !== undefined) {
    check(TARGETS.includes(given.target as Target) ? undefined : 'must be "local" or "aws"', INIT_FLAG_NAMES.target);
    target = given.target as Target;
  } else if (prompter) {
    target = (await prompter.select({
      message: 'Where should the pipeline run?',
      choices: [
        { name: 'local — the embedded engine on this machine (no AWS account needed)', value: 'local' },
        { name: 'aws — CloudFormation in your AWS account', value: 'aws' },
      ],
      default: current?.target ?? 'local',
    })) as Target;
  } else {
    target = current?.target ?? 'local';
  }

  // Region and profile matter for AWS only; a local stack keeps whatever it had.
  let region = given.region ?? current?.region;
  let profile = given.profile ?? current?.profile;
  if (target === 'aws') {
    if (given.region === undefined && prompter) {
      region = await prompter.input({
        message: 'AWS region',
        default: current?.region ?? envRegion(env) ?? 'us-east-1',
        validate: asValidator(regionProblem),
      });
    }
    region ??= envRegion(env);
    if (region === undefined) {
      throw new UsageError('--region is needed for the aws target', {
        hint: 'Pass --region (for example --region us-east-1) or set AWS_REGION.',
        code: 'NEEDS_FLAGS',
      });
    }
    check(regionProblem(region), INIT_FLAG_NAMES.region);
    if (given.profile === undefined && prompter) {
      const answer = await prompter.input({
        message: 'AWS profile (empty: the default credential chain)',
        default: current?.profile ?? (env.AWS_PROFILE || ''),
      });
      profile = answer.trim() || undefined;
    }
  } else if (region !== undefined) {
    check(regionProblem(region), INIT_FLAG_NAMES.region);
  }

  // Keywords.
  let keywords: string[];
  if (given.keywords !== undefined) {
    keywords = parseKeywords(given.keywords);
  } else if (prompter) {
    const answer = await prompter.input({
      message: 'Keywords to track (comma-separated)',
      default: (current?.keywords ?? DEFAULT_KEYWORDS).join(', '),
      // Editable, so that adding one keyword does not mean retyping the list.
      prefill: 'editable',
      validate: (value) => keywordsProblem(parseKeywords(value)) ?? true,
    });
    keywords = parseKeywords(answer);
  } else {
    keywords = current?.keywords ?? [...DEFAULT_KEYWORDS];
  }
  check(keywordsProblem(keywords), INIT_FLAG_NAMES.keywords);

  // Retention.
  let retentionDays: number;
  if (given.retentionDays !== undefined) {
    retentionDays = given.retentionDays;
  } else if (prompter) {
    const answer = await prompter.input({
      message: 'Keep items for how many days (DynamoDB TTL)?',
      default: String(current?.retentionDays ?? DEFAULT_RETENTION_DAYS),
      validate: (value) => retentionProblem(Number(value)) ?? true,
    });
    retentionDays = Number(answer);
  } else {
    retentionDays = current?.retentionDays ?? DEFAULT_RETENTION_DAYS;
  }
  check(retentionProblem(retentionDays), INIT_FLAG_NAMES.retentionDays);

  const twitter = await resolveTwitter(current?.twitter, given.twitter ?? {}, prompter);
  const mastodon = await resolveMastodon(current?.mastodon, given.mastodon ?? {}, prompter);

  // Who ingest sends as by default: only the aws target has identities.
  const ingestAs = given.ingestAs ?? current?.ingestAs;
  if (ingestAs === 'producer' && target !== 'aws') {
    throw new UsageError(
      `${INIT_FLAG_NAMES.ingestAs} producer needs the aws target: the local engine has no identities`,
      {
        hint: 'Use --target aws (and deploy --producer-identity), or leave --ingest-as out.',
        code: 'NO_LOCAL_IDENTITY',
      },
    );
  }

  const settings: StackSettings = {
    ...current,
    target,
    keywords,
    retentionDays,
    ...(region !== undefined ? { region } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(Object.keys(twitter).length > 0 ? { twitter } : {}),
    ...(Object.keys(mastodon).length > 0 ? { mastodon } : {}),
    ...(ingestAs !== undefined ? { ingestAs } : {}),
  };
  if (region === undefined) delete settings.region;
  if (profile === undefined) delete settings.profile;
  if (Object.keys(twitter).length === 0) delete settings.twitter;
  if (Object.keys(mastodon).length === 0) delete settings.mastodon;

  all.stacks[options.stack] = settings;
  if (options.makeDefault || all.defaultStack === undefined) all.defaultStack = options.stack;
  await saveSettings(all, file);
  return {
    stack: options.stack,
    created: current === undefined,
    isDefault: all.defaultStack === options.stack,
    file,
    settings,
  };
}

const TWITTER_LABELS: Record<keyof TwitterCredentials, string> = {
  bearerToken: 'X API bearer token (OAuth 2.0; the v2 filtered stream uses it)',
  apiKey: 'X API key (OAuth 1.0a consumer key)',
  apiSecret: 'X API key secret',
  accessToken: 'X access token',
  accessTokenSecret: 'X access token secret',
};

async function resolveTwitter(
  current: TwitterCredentials | undefined,
  given: TwitterCredentials,
  prompter: InitPrompter | undefined,
): Promise<TwitterCredentials> {
  const result: TwitterCredentials = { ...current };
  for (const field of TWITTER_SECRET_FIELDS) {
    const value = given[field];
    if (value !== undefined) result[field] = value.trim();
  }
  const unasked = TWITTER_SECRET_FIELDS.filter((field) => given[field] === undefined);
  if (prompter && unasked.length > 0) {
    const wanted = await prompter.confirm({
      message: 'Set X (Twitter) API credentials now? (only the live stream needs them)',
      default: false,
    });
    if (wanted) {
      for (const field of unasked) {
        const answer = await prompter.password({
          message: `${TWITTER_LABELS[field]} [${describeSecret(result[field])}] (Enter keeps it, "-" clears it)`,
        });
        if (answer.trim() === '-') delete result[field];
        else if (answer.trim() !== '') result[field] = answer.trim();
      }
    }
  }
  for (const field of TWITTER_SECRET_FIELDS) if (!result[field]) delete result[field];
  return result;
}

/**
 * The Mastodon instance and token: flags first, then (on a terminal, when asked for) the
 * instance and the token, masked like X's. The token is optional: many instances stream their
 * public timelines without one. "-" clears the token.
 */
async function resolveMastodon(
  current: MastodonSettings | undefined,
  given: MastodonSettings,
  prompter: InitPrompter | undefined,
): Promise<MastodonSettings> {
  const result: MastodonSettings = { ...current };
  if (given.instance !== undefined) {
    const instance = normaliseInstance(given.instance);
    check(mastodonInstanceProblem(instance), INIT_FLAG_NAMES.mastodonInstance);
    result.instance = instance;
  }
  if (given.token !== undefined) result.token = given.token.trim();
  if (prompter && (given.instance === undefined || given.token === undefined)) {
    const wanted = await prompter.confirm({
      message: 'Set the Mastodon instance and access token now? (only ingest --mastodon needs them)',
      default: false,
    });
    if (wanted) {
      if (given.instance === undefined) {
        const answer = await prompter.input({
          message: 'Mastodon instance',
          default: result.instance ?? DEFAULT_MASTODON_INSTANCE,
          validate: (value) => mastodonInstanceProblem(normaliseInstance(value)) ?? true,
        });
        result.instance = normaliseInstance(answer);
      }
      if (given.token === undefined) {
        const answer = await prompter.password({
          message: `Mastodon access token, optional (Preferences → Development; scope read:statuses) [${describeSecret(result.token)}] (Enter keeps it, "-" clears it)`,
        });
        if (answer.trim() === '-') delete result.token;
        else if (answer.trim() !== '') result.token = answer.trim();
      }
    }
  }
  if (!result.token) delete result.token;
  if (!result.instance) delete result.instance;
  return result;
}
