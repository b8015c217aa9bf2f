/**
 * The producer identity's key: read from the stack's Secrets Manager secret with the operator's
 * credentials, and the identity it belongs to. The local engine has no identities.
 */
import { createSecretsManagerClient, createStsClient } from '../aws/clients.js';
import type { ResolvedStack } from '../config/store.js';
import { UsageError, UserError } from '../errors.js';
import { asUserFacing } from '../stack/aws/errors.js';
import { resolveProfile, resolveRegion } from '../stack/aws/preflight.js';

export interface ProducerKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  streamName?: string;
  /** The secret it was read from (name or ARN). */
  secretId: string;
}

/** Where the template keeps the key: the output, or the secret's fixed name. */
export function producerSecretId(stack: ResolvedStack): string {
  return stack.settings.outputs?.ProducerSecretArn ?? `${stack.name}/producer-credentials`;
}

/** Refuses on the local target: its engine has no identities, so there is nothing to act as. */
export function requireAwsTarget(stack: ResolvedStack, what: string): void {
  if (stack.settings.target === 'aws') return;
  throw new UsageError(`${what} needs the aws target: the local engine has no identities`, {
    hint: 'Locally every client already writes to the stream; on AWS deploy with --producer-identity first.',
    code: 'NO_LOCAL_IDENTITY',
  });
}

/** Reads and checks the producer's key (secretsmanager:GetSecretValue, with the operator's credentials). */
export async function readProducerKey(
  stack: ResolvedStack,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProducerKey> {
  const region = stack.settings.outputs?.Region ?? resolveRegion(stack.name, stack.settings, env);
  const profile = resolveProfile(stack.settings, env);
  const secretId = producerSecretId(stack);
  const client = await createSecretsManagerClient({ region, profile });
  let text: string | undefined;
  try {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') {
      throw new UserError(`Stack ${stack.name} has no producer identity (no secret ${secretId})`, {
        hint: `Deploy it with one: \`streamproc deploy --stack ${stack.name} --producer-identity\`.`,
        code: 'NO_PRODUCER_IDENTITY',
      });
    }
    throw asUserFacing(error, {
      operation: `read the producer's key (secretsmanager:GetSecretValue on ${secretId})`,
      stack: stack.name,
      profile,
    });
  } finally {
    client.destroy();
  }
  const key = parseKey(text);
  if (!key) {
    throw new UserError(`The producer secret ${secretId} does not hold an access key`, {
      hint: `Deploy again to rewrite it: \`streamproc deploy --stack ${stack.name} --producer-identity\`.`,
      code: 'PRODUCER_SECRET_INVALID',
    });
  }
  return { ...key, region: key.region ?? region, secretId };
}

function parseKey(
  text: string | undefined,
): (Omit<ProducerKey, 'secretId' | 'region'> & { region?: string }) | undefined {
  try {
    const value = JSON.parse(text ?? '') as Record<string, unknown>;
    const { accessKeyId, secretAccessKey, region, streamName } = value;
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || !accessKeyId || !secretAccessKey)
      return undefined;
    return {
      accessKeyId,
      secretAccessKey,
      ...(typeof region === 'string' && region ? { region } : {}),
      ...(typeof streamName === 'string' && streamName ? { streamName } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The ARN the key signs as (sts:GetCallerIdentity needs no permission); undefined if STS cannot say. */
export async function producerArn(key: ProducerKey): Promise<string | undefined> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = await createStsClient({
    region: key.region,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    maxAttempts: 2,
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } catch {
    return undefined;
  } finally {
    sts.destroy();
  }
}
