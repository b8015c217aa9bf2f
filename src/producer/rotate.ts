/**
 * `producer rotate`: a new access key for the producer user through the template (ProducerKeySerial
 * + 1, so CloudFormation owns the change and updates the secret), proven by a test record, then the
 * old key deleted. The template retains a replaced key (UpdateReplacePolicy Retain), so the old key
 * keeps working until the new one is proven: a running `ingest --as-producer` switches when its
 * key is refused (it re-reads the secret), never before a working key is there.
 *
 * Resumable: a key of the producer user that is not the one in the secret (which must be the
 * stack's own key, else the secret is stale and nothing is touched) is what an earlier rotation
 * left behind; the next run proves the secret's key and deletes that one, without
 * another deploy (IAM allows two keys per user, so a third could not be created anyway).
 */
import { createCloudFormationClient, createIamClient } from '../aws/clients.js';
import type { ResolvedStack } from '../config/store.js';
import { InterruptedError, UserError } from '../errors.js';
import type { Reporter } from '../progress.js';
import { asUserFacing } from '../stack/aws/errors.js';
import { resolveProfile, resolveRegion } from '../stack/aws/preflight.js';
import { findStack, stackParameter, stackResources } from '../stack/aws/stack-state.js';
import type { ConfirmQuestion } from '../target.js';
import { profileMarker } from './credentials.js';
import { credentialsFilePath, markedProfiles, readCredentialsFile, writeProfile } from './credentials-file.js';
import { type ProducerKey, readProducerKey, requireAwsTarget } from './key.js';
import { checkProducerKey, KeyCheckFailed, type KeyCheckResult } from './key-check.js';

export const SERIAL_PARAMETER = 'ProducerKeySerial';

export interface ProducerRotateOptions {
  stack: ResolvedStack;
  reporter: Reporter;
  /** Asked about replacements other than the producer key's own (which is what rotate is for). */
  confirm: (question: ConfirmQuestion) => Promise<boolean>;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Deploys the stack with these parameters set; default: the deploy service (change set, events). */
  deploy?: (parameters: Record<string, string>, confirm: (q: ConfirmQuestion) => Promise<boolean>) => Promise<void>;
  /** How long the new key's test record is retried while IAM catches up; default 60 s. */
  keyCheckTimeoutMs?: number;
  /** First back-off of the test record; default 1 s. */
  keyCheckDelayMs?: number;
}

export interface ProducerRotateResult {
  stack: string;
  oldKeyId: string;
  newKeyId: string;
  /** The ProducerKeySerial deployed (null when an earlier rotation was finished without a deploy). */
  serial: number | null;
  /** True when an earlier rotation had stopped before deleting the old key, and this run finished it. */
  resumed: boolean;
  testRecord: { streamName: string; shardId: string; sequenceNumber: string; attempts: number };
  /** Key ids deleted. */
  deleted: string[];
  /** Shared-credentials profiles streamproc wrote for this stack, now holding the new key. */
  profilesRefreshed: string[];
  credentialsFile: string | null;
}

export const producerUserName = (stack: string) => `${stack}-Producer`;

export async function rotateProducerKey(options: ProducerRotateOptions): Promise<ProducerRotateResult> {
  const { stack, reporter } = options;
  requireAwsTarget(stack, 'producer rotate');
  const env = options.env ?? process.env;
  const region = stack.settings.outputs?.Region ?? resolveRegion(stack.name, stack.settings, env);
  const profile = resolveProfile(stack.settings, env);
  const user = producerUserName(stack.name);

  const current = await reporter.step('Reading the producer key from its secret', () => readProducerKey(stack, env));
  const managed = await managedKeyId(stack, { region, profile });
  if (managed !== undefined && managed !== current.accessKeyId) {
    throw new UserError(
      `The producer secret holds key ${current.accessKeyId}, but the stack's key (ProducerAccessKey) is ${managed}`,
      {
        hint: `Nothing was deleted. Deploy again to rewrite the secret from the stack (\`streamproc deploy --stack ${stack.name} --producer-identity\`), then run \`streamproc producer rotate --stack ${stack.name}\`.`,
        code: 'PRODUCER_SECRET_STALE',
      },
    );
  }
  const others = (await listKeyIds({ region, profile, user, stack: stack.name })).filter(
    (id) => id !== current.accessKeyId,
  );

  let oldKeyIds: string[];
  let fresh: ProducerKey;
  let serial: number | null = null;
  if (others.length > 0) {
    if (managed === undefined) {
      throw new UserError(
        `${user} has keys ${others.join(', ')} besides the secret's, and the stack lists no ProducerAccessKey`,
        {
          hint: `Nothing was deleted. Check the stack (\`streamproc status --stack ${stack.name}\`) and delete the keys that are not the secret's by hand if they are left over.`,
          code: 'PRODUCER_KEYS_UNKNOWN',
        },
      );
    }
    reporter.warn(
      `${user} also has key ${others.join(', ')}, not the one in the secret: an earlier rotation stopped before deleting it; finishing that rotation`,
    );
    oldKeyIds = others;
    fresh = current;
  } else {
    oldKeyIds = [current.accessKeyId];
    serial = (await deployedSerial(stack, { region, profile })) + 1;
    reporter.info(`Replacing key ${current.accessKeyId} (${SERIAL_PARAMETER} ${serial - 1} → ${serial})`);
    const confirm = (q: ConfirmQuestion) =>
      q.resources?.length && q.resources.every((id) => id === 'ProducerAccessKey')
        ? Promise.resolve(true)
        : options.confirm(q);
    try {
      await (options.deploy ?? deployWith(stack, reporter, options.signal))(
        { CreateProducerIdentity: 'true', [SERIAL_PARAMETER]: String(serial) },
        confirm,
      );
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const state =
        error instanceof InterruptedError
          ? `The stack update may go on in CloudFormation; the old key ${current.accessKeyId} is kept either way (a replaced key is retained). When the stack has settled,`
          : `The producer's key ${current.accessKeyId} was not replaced and still works. ${error.hint ?? ''} Then`;
      throw new UserError(`Rotation stopped: ${error.message}`, {
        hint: `${state} run \`streamproc producer rotate --stack ${stack.name}\` again.`,
        code: error.code,
        exit: error.exit,
        cause: error,
      });
    }
    try {
      fresh = await reporter.step('Reading the new key from the secret', () => readProducerKey(stack, env));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new UserError(`Rotation stopped after the deploy: ${error.message}`, {
        hint: `The old key ${current.accessKeyId} was kept and still works; run \`streamproc producer rotate --stack ${stack.name}\` again.`,
        code: error.code,
        cause: error,
      });
    }
    if (fresh.accessKeyId === current.accessKeyId) {
      throw new UserError(
        `The deploy did not replace the producer's key: the secret still holds ${current.accessKeyId}`,
        {
          hint: `Nothing was deleted. Check the stack's events for ProducerAccessKey and ProducerSecret, then run \`streamproc producer rotate --stack ${stack.name}\` again.`,
          code: 'ROTATION_NOT_APPLIED',
        },
      );
    }
  }

  const streamName = fresh.streamName ?? stack.settings.outputs?.StreamName ?? `${stack.name}-EventStream`;
  let proof: KeyCheckResult;
  try {
    proof = await reporter.step(`Putting a test record with key ${fresh.accessKeyId}`, () =>
      checkProducerKey({
        key: fresh,
        stack: stack.name,
        streamName,
        timeoutMs: options.keyCheckTimeoutMs,
        firstDelayMs: options.keyCheckDelayMs,
        signal: options.signal,
        env,
      }),
    );
  } catch (error) {
    if (!(error instanceof KeyCheckFailed)) throw error;
    const Failure = options.signal.aborted ? InterruptedError : UserError;
    throw new Failure(
      `The new key ${fresh.accessKeyId} could not put a test record into ${streamName}: ${error.message}`,
      {
        hint: `The old key ${oldKeyIds.join(', ')} was kept and still works. Run \`streamproc producer rotate --stack ${stack.name}\` again: it tries the new key again and deletes the old one only once it works.`,
        code: 'PRODUCER_KEY_UNPROVEN',
        cause: error.cause,
      },
    );
  }
  reporter.info(`Key ${fresh.accessKeyId} put test record ${proof.sequenceNumber} (${proof.shardId})`);

  // Before the delete: profile users switch while the old key still works.
  const { file, refreshed } = await refreshProfiles(stack.name, fresh, env, oldKeyIds);
  for (const name of refreshed) reporter.info(`Refreshed profile ${name} in ${file}`);

  const deleted: string[] = [];
  for (const id of oldKeyIds) {
    await reporter.step(`Deleting the old key ${id}`, () =>
      deleteKey({ region, profile, user, id, stack: stack.name }),
    );
    deleted.push(id);
  }
  return {
    stack: stack.name,
    oldKeyId: oldKeyIds[0] as string,
    newKeyId: fresh.accessKeyId,
    serial,
    resumed: serial === null,
    testRecord: { streamName, ...proof },
    deleted,
    profilesRefreshed: refreshed,
    credentialsFile: refreshed.length > 0 ? file : null,
  };
}

function deployWith(stack: ResolvedStack, reporter: Reporter, signal: AbortSignal) {
  return async (parameters: Record<string, string>, confirm: (q: ConfirmQuestion) => Promise<boolean>) => {
    const { deployStack } = await import('../stack/deploy.js');
    await deployStack({
      stack,
      parameterAssignments: Object.entries(parameters).map(([k, v]) => `${k}=${v}`),
      // A rotation is not about code: a custom processor stays as deployed.
      keepProcessorCode: true,
      reporter,
      confirm,
      signal,
    });
  };
}

/** Runs `call` with a CloudFormation client, its errors made user-facing as a describe of the stack. */
async function describing<T>(
  stack: ResolvedStack,
  settings: { region: string; profile?: string },
  call: (cfn: Awaited<ReturnType<typeof createCloudFormationClient>>) => Promise<T>,
): Promise<T> {
  const cfn = await createCloudFormationClient(settings);
  try {
    return await call(cfn);
  } catch (error) {
    throw asUserFacing(error, {
      operation: `describe stack ${stack.name}`,
      stack: stack.name,
      profile: settings.profile,
    });
  } finally {
    cfn.destroy();
  }
}

/** The key the stack manages now (ProducerAccessKey's physical id); undefined when the stack cannot say. */
function managedKeyId(
  stack: ResolvedStack,
  settings: { region: string; profile?: string },
): Promise<string | undefined> {
  return describing(stack, settings, async (cfn) => {
    const resources = await stackResources(cfn, stack.name);
    return resources.find((r) => r.LogicalResourceId === 'ProducerAccessKey')?.PhysicalResourceId || undefined;
  });
}

/** The serial deployed now: the stack's own parameter, else the saved one, else the template's 1. */
function deployedSerial(stack: ResolvedStack, settings: { region: string; profile?: string }): Promise<number> {
  const saved = Number(stack.settings.parameters?.[SERIAL_PARAMETER] ?? 1);
  return describing(stack, settings, async (cfn) => {
    const deployed = await findStack(cfn, stack.name);
    const value = deployed ? Number(stackParameter(deployed, SERIAL_PARAMETER)) : Number.NaN;
    return Number.isFinite(value) ? Math.max(value, saved) : saved;
  });
}

interface IamTarget {
  region: string;
  profile?: string;
  user: string;
  stack: string;
}

async function listKeyIds(target: IamTarget): Promise<string[]> {
  const { ListAccessKeysCommand } = await import('@aws-sdk/client-iam');
  const iam = await createIamClient(target);
  try {
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: target.user }));
    return (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').filter(Boolean);
  } catch (error) {
    throw asUserFacing(error, {
      operation: `list the producer's keys (iam:ListAccessKeys on ${target.user})`,
      stack: target.stack,
      profile: target.profile,
    });
  } finally {
    iam.destroy();
  }
}

async function deleteKey(target: IamTarget & { id: string }): Promise<void> {
  const { DeleteAccessKeyCommand } = await import('@aws-sdk/client-iam');
  const iam = await createIamClient(target);
  try {
    await iam.send(new DeleteAccessKeyCommand({ UserName: target.user, AccessKeyId: target.id }));
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchEntityException') return; // already gone
    const e = error as { name?: string; message?: string };
    throw new UserError(
      `The new key is in use and proven, but deleting the old key ${target.id} failed (${e.name ?? 'Error'}: ${e.message?.split('\n')[0] ?? ''})`,
      {
        hint: `Delete it by hand: \`aws iam delete-access-key --user-name ${target.user} --access-key-id ${target.id}\` (or run \`streamproc producer rotate --stack ${target.stack}\` again once you have iam:DeleteAccessKey).`,
        code: 'OLD_KEY_NOT_DELETED',
        cause: error,
      },
    );
  } finally {
    iam.destroy();
  }
}

/** Rewrites every profile streamproc wrote for this stack (its marker above the section). */
async function refreshProfiles(
  stack: string,
  key: ProducerKey,
  env: NodeJS.ProcessEnv,
  oldKeyIds: string[],
): Promise<{ file: string; refreshed: string[] }> {
  const file = credentialsFilePath(env);
  const marker = profileMarker(stack);
  const names = markedProfiles(await readCredentialsFile(env), marker);
  try {
    for (const name of names) {
      await writeProfile(
        name,
        { aws_access_key_id: key.accessKeyId, aws_secret_access_key: key.secretAccessKey, region: key.region },
        marker,
        env,
      );
    }
  } catch (error) {
    throw new UserError(`Could not refresh the producer profile in ${file}: ${(error as Error).message}`, {
      hint: `The old key ${oldKeyIds.join(', ')} was kept. Fix the file's permissions and run \`streamproc producer rotate --stack ${stack}\` again.`,
      code: 'PROFILE_NOT_REFRESHED',
      cause: error,
    });
  }
  return { file, refreshed: names };
}
