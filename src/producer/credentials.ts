/** `producer credentials`: the producer identity's key as a shared-credentials profile, or as env lines. */
import type { ResolvedStack } from '../config/store.js';
import { UserError } from '../errors.js';
import { writeProfile } from './credentials-file.js';
import { producerArn, readProducerKey, requireAwsTarget } from './key.js';

export interface ProducerCredentialsOptions {
  stack: ResolvedStack;
  /** Profile name; default `streamproc-<stack>-producer`. */
  profile?: string;
  /** Return the env-var lines instead of writing a profile. */
  stdout?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ProducerCredentialsResult {
  stack: string;
  /** The profile written (null with --stdout). */
  profile: string | null;
  file: string | null;
  region: string;
  streamName: string | null;
  streamArn: string | null;
  /** The producer user's ARN, when STS could say. */
  identity: string | null;
  /** With --stdout only: the `export …` lines (a secret; never part of --json). */
  exports?: string;
}

export const defaultProfileName = (stack: string) => `streamproc-${stack}-producer`;

/** The marker above a profile streamproc wrote, so that a rotation knows to refresh it. */
export const profileMarker = (stack: string) => `written by streamproc for stack ${stack} (producer identity)`;

export async function producerCredentials(options: ProducerCredentialsOptions): Promise<ProducerCredentialsResult> {
  const { stack } = options;
  requireAwsTarget(stack, 'producer credentials');
  const profile = options.profile ?? defaultProfileName(stack.name);
  if (!/^[\w.+@-]+$/.test(profile)) {
    throw new UserError(`Profile name ${JSON.stringify(profile)} cannot be written to a credentials file`, {
      hint: 'Use letters, digits and . _ - + @ only.',
      code: 'BAD_PROFILE_NAME',
    });
  }
  const key = await readProducerKey(stack, options.env);
  const outputs = stack.settings.outputs ?? {};
  const base = {
    stack: stack.name,
    region: key.region,
    streamName: key.streamName ?? outputs.StreamName ?? null,
    streamArn: outputs.StreamArn ?? null,
    identity: (await producerArn(key)) ?? null,
  };
  if (options.stdout) {
    const exports = [
      `export AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
      `export AWS_REGION=${key.region}`,
    ].join('\n');
    return { ...base, profile: null, file: null, exports };
  }
  const file = await writeProfile(
    profile,
    { aws_access_key_id: key.accessKeyId, aws_secret_access_key: key.secretAccessKey, region: key.region },
    profileMarker(stack.name),
    options.env,
  );
  return { ...base, profile, file };
}
