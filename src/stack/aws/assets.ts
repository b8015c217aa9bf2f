/**
 * The S3 bucket streamproc stages processor bundles in, one per account and region, and the
 * objects in it. Objects are keyed by content hash, so an unchanged bundle is never uploaded
 * twice and a new bundle gets a new key (which is what makes CloudFormation update the code).
 * Each object's `streamproc:stacks` tag lists the stacks using it, so teardown removes only
 * what no other stack needs.
 */
import type { S3Client } from '@aws-sdk/client-s3';

export const STACKS_TAG = 'streamproc:stacks';
const PROCESSOR_PREFIX = 'processor/';

export function assetsBucketName(account: string, region: string): string {
  return `streamproc-assets-${account}-${region}`;
}

export function processorKey(sha256: string): string {
  return `${PROCESSOR_PREFIX}${sha256}.zip`;
}

type S3 = Pick<S3Client, 'send'>;

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchKey' ||
    e?.name === 'NoSuchBucket' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? '';
}

/** Denies every request that does not use TLS. */
export function tlsOnlyPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

export interface AssetsBucket {
  bucket: string;
  created: boolean;
  /** Whether the TLS-only policy is in place (not on a plain-HTTP endpoint, see below). */
  tlsOnly: boolean;
}

export interface AssetsBucketOptions {
  /**
   * The S3 endpoint is a plain-HTTP override (an emulator). Every request to it is non-TLS, so
   * the TLS-only policy would lock streamproc out of its own bucket; it is left off there. AWS's
   * own endpoints are always HTTPS.
   */
  plainHttp?: boolean;
}

/**
 * Makes sure the assets bucket exists and is locked down: public access blocked, SSE-S3 default
 * encryption, TLS-only policy. A bucket missing its policy (a first run that stopped half-way)
 * gets the settings again.
 */
export async function ensureAssetsBucket(
  s3: S3,
  account: string,
  region: string,
  options: AssetsBucketOptions = {},
): Promise<AssetsBucket> {
  const s = await import('@aws-sdk/client-s3');
  const bucket = assetsBucketName(account, region);
  let created = false;
  try {
    await s3.send(new s.HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await s3.send(
        new s.CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is the one region that rejects its own name as a location constraint.
          ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
          ObjectOwnership: 'BucketOwnerEnforced',
        }),
      );
    } catch (createError) {
      // Another deploy in the same account may have won the race; that bucket is ours too.
      if (errorName(createError) !== 'BucketAlreadyOwnedByYou') throw createError;
    }
    created = true;
  }
  const tlsOnly = !options.plainHttp;
  if (created || (tlsOnly && !(await hasPolicy(s3, bucket, account)))) await lockDown(s3, bucket, account, tlsOnly);
  return { bucket, created, tlsOnly };
}

async function hasPolicy(s3: S3, bucket: string, account: string): Promise<boolean> {
  const { GetBucketPolicyCommand } = await import('@aws-sdk/client-s3');
  try {
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    return Boolean(policy.Policy?.includes('aws:SecureTransport'));
  } catch (error) {
    if (errorName(error) === 'NoSuchBucketPolicy' || isNotFound(error)) return false;
    throw error;
  }
}

async function lockDown(s3: S3, bucket: string, account: string, tlsOnly: boolean): Promise<void> {
  const s = await import('@aws-sdk/client-s3');
  const owner = { Bucket: bucket, ExpectedBucketOwner: account };
  await s3.send(
    new s.PutPublicAccessBlockCommand({
      ...owner,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new s.PutBucketEncryptionCommand({
      ...owner,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
      },
    }),
  );
  if (tlsOnly) await s3.send(new s.PutBucketPolicyCommand({ ...owner, Policy: tlsOnlyPolicy(bucket) }));
}

function parseStacks(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((name) => name.length > 0);
}

async function readStacksTag(s3: S3, bucket: string, key: string, account: string): Promise<string[]> {
  const { GetObjectTaggingCommand } = await import('@aws-sdk/client-s3');
  const tagging = await s3.send(
    new GetObjectTaggingCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: account }),
  );
  return parseStacks(tagging.TagSet?.find((t) => t.Key === STACKS_TAG)?.Value);
}

async function writeStacksTag(s3: S3, bucket: string, key: string, account: string, stacks: string[]) {
  const { PutObjectTaggingCommand } = await import('@aws-sdk/client-s3');
  // Tag values hold 256 characters; past that, the oldest names drop off and the object is kept
  // on teardown by the "still referenced by a stack" check instead.
  let value = stacks.join(' ');
  while (value.length > 256) value = value.slice(value.indexOf(' ') + 1);
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: bucket,
      Key: key,
      ExpectedBucketOwner: account,
      Tagging: { TagSet: [{ Key: STACKS_TAG, Value: value }] },
    }),
  );
}

export interface StagedObject {
  bucket: string;
  key: string;
  /** False when an object with this content hash was there already. */
  uploaded: boolean;
  bytes: number;
}

/** Uploads the bundle unless its content hash is already staged; records the stack in the tag. */
export async function stageProcessorBundle(
  s3: S3,
  options: { bucket: string; account: string; stack: string; zip: Uint8Array; sha256: string },
): Promise<StagedObject> {
  const s = await import('@aws-sdk/client-s3');
  const { bucket, account, stack } = options;
  const key = processorKey(options.sha256);
  let exists = true;
  try {
    await s3.send(new s.HeadObjectCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: account }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    exists = false;
  }
  if (exists) {
    const stacks = await readStacksTag(s3, bucket, key, account);
    if (!stacks.includes(stack)) await writeStacksTag(s3, bucket, key, account, [...stacks, stack]);
    return { bucket, key, uploaded: false, bytes: options.zip.byteLength };
  }
  await s3.send(
    new s.PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: options.zip,
      ContentType: 'application/zip',
      ExpectedBucketOwner: account,
      Metadata: { sha256: options.sha256 },
      Tagging: `${encodeURIComponent(STACKS_TAG)}=${encodeURIComponent(stack)}`,
    }),
  );
  return { bucket, key, uploaded: true, bytes: options.zip.byteLength };
}

/**
 * Removes the stack from every staged object's tag and deletes the objects no stack uses any
 * more. `stillReferenced` holds keys other live stacks point at (their CodeS3Key), kept whatever
 * the tags say. Returns the deleted keys.
 */
export async function releaseStackAssets(
  s3: S3,
  options: { bucket: string; account: string; stack: string; stillReferenced: Set<string> },
): Promise<string[]> {
  const s = await import('@aws-sdk/client-s3');
  const { bucket, account, stack } = options;
  const deleted: string[] = [];
  let token: string | undefined;
  do {
    let page: import('@aws-sdk/client-s3').ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new s.ListObjectsV2Command({
          Bucket: bucket,
          Prefix: PROCESSOR_PREFIX,
          ContinuationToken: token,
          ExpectedBucketOwner: account,
        }),
      );
    } catch (error) {
      if (isNotFound(error)) return deleted;
      throw error;
    }
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (!key) continue;
      const stacks = await readStacksTag(s3, bucket, key, account);
      if (!stacks.includes(stack)) continue;
      const rest = stacks.filter((name) => name !== stack);
      if (rest.length === 0 && !options.stillReferenced.has(key)) {
        await s3.send(new s.DeleteObjectCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: account }));
        deleted.push(key);
      } else {
        await writeStacksTag(s3, bucket, key, account, rest);
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  return deleted;
}
