/**
 * Keys of the producer user that CloudFormation no longer manages: the template retains a replaced
 * key (UpdateReplacePolicy Retain) for `producer rotate` to delete, so a rotation that stopped
 * before its delete leaves one behind. Teardown deletes them first, or DeleteUser would fail on
 * the user's remaining key.
 */
import type { ListAccessKeysCommandOutput } from '@aws-sdk/client-iam';
import { createIamClient } from '../aws/clients.js';

export interface RetainedKeysOptions {
  region: string;
  profile?: string;
  user: string;
  /** The key the stack manages (ProducerAccessKey's physical id): CloudFormation deletes that one. */
  managed: string | undefined;
}

/** Deletes the user's keys other than the managed one; returns their ids. */
export async function deleteRetainedProducerKeys(options: RetainedKeysOptions): Promise<string[]> {
  const { DeleteAccessKeyCommand, ListAccessKeysCommand } = await import('@aws-sdk/client-iam');
  const iam = await createIamClient({ region: options.region, profile: options.profile });
  try {
    let listed: ListAccessKeysCommandOutput;
    try {
      listed = await iam.send(new ListAccessKeysCommand({ UserName: options.user }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchEntityException') return [];
      throw error;
    }
    const retained = (listed.AccessKeyMetadata ?? [])
      .map((k) => k.AccessKeyId ?? '')
      .filter((id) => id && id !== options.managed);
    for (const id of retained) {
      await iam.send(new DeleteAccessKeyCommand({ UserName: options.user, AccessKeyId: id }));
    }
    return retained;
  } finally {
    iam.destroy();
  }
}
