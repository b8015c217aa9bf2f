/**
 * Creating, waiting for, reading and cleaning up a change set. Deploy always goes through one,
 * so that the user sees what will change (and confirms replacements) before anything does.
 */
import type { Change, CloudFormationClient, Parameter, Tag } from '@aws-sdk/client-cloudformation';
import { UserError } from '../../errors.js';
import type { ChangeRow } from '../../progress.js';

type Cfn = Pick<CloudFormationClient, 'send'>;

export interface ChangeSetRequest {
  stack: string;
  type: 'CREATE' | 'UPDATE';
  templateBody: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  /** Poll interval while CloudFormation computes the change set (default 1000 ms). */
  pollMs?: number;
  /** Give up waiting after this long (default 10 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

export interface PreparedChangeSet {
  id: string;
  name: string;
  stackId: string;
  type: 'CREATE' | 'UPDATE';
  /** Server time: stack events from here on belong to this deploy. */
  creationTime: Date;
  /** False when CloudFormation found nothing to change (the change set is already deleted). */
  hasChanges: boolean;
  changes: ChangeRow[];
}

/** CloudFormation's two ways of saying "nothing to do". */
export function isNoChangesReason(reason: string | undefined): boolean {
  return /didn't contain changes|No updates are to be performed/i.test(reason ?? '');
}

export function changeRows(changes: Change[]): ChangeRow[] {
  return changes
    .map((c) => c.ResourceChange)
    .filter((c) => c !== undefined)
    .map((c) => ({
      action: c.Action ?? '',
      logicalId: c.LogicalResourceId ?? '',
      type: c.ResourceType ?? '',
      replacement: c.Action === 'Modify' ? c.Replacement : undefined,
    }));
}

/** Changes that lose a resource (and its data): replacements and removals. */
export function destructiveChanges(rows: ChangeRow[]): ChangeRow[] {
  return rows.filter((r) => r.action === 'Remove' || r.replacement === 'True' || r.replacement === 'Conditional');
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function prepareChangeSet(cfn: Cfn, request: ChangeSetRequest): Promise<PreparedChangeSet> {
  const c = await import('@aws-sdk/client-cloudformation');
  const sleep = request.sleep ?? defaultSleep;
  const name = `streamproc-${new Date().toISOString().replace(/[-:.TZ]/g, '')}`;
  const parameters: Parameter[] = Object.entries(request.parameters).map(([ParameterKey, ParameterValue]) => ({
    ParameterKey,
    ParameterValue,
  }));
  const tags: Tag[] = Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value }));
  const created = await cfn.send(
    new c.CreateChangeSetCommand({
      StackName: request.stack,
      ChangeSetName: name,
      ChangeSetType: request.type,
      TemplateBody: request.templateBody,
      Parameters: parameters,
      // The role gets a generated name (CAPABILITY_IAM); the producer user has a fixed one (NAMED_IAM).
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      Tags: tags,
      Description: 'streamproc deploy',
    }),
  );
  const id = created.Id ?? name;
  const deadline = Date.now() + (request.timeoutMs ?? 600_000);
  for (;;) {
    const described = await cfn.send(new c.DescribeChangeSetCommand({ ChangeSetName: id, StackName: request.stack }));
    const status = described.Status ?? '';
    if (status === 'CREATE_COMPLETE' || status === 'FAILED') {
      const base = {
        id,
        name,
        stackId: described.StackId ?? created.StackId ?? request.stack,
        type: request.type,
        creationTime: described.CreationTime ?? new Date(),
      };
      if (status === 'FAILED') {
        await deleteChangeSet(cfn, id, request.stack);
        if (isNoChangesReason(described.StatusReason)) return { ...base, hasChanges: false, changes: [] };
        throw new UserError(
          `CloudFormation rejected the change set for stack ${request.stack}: ${described.StatusReason ?? 'no reason given'}`,
          {
            hint: 'Check the parameters (`--parameter Name=Value`) and the template; nothing was changed.',
            code: 'CHANGE_SET_FAILED',
          },
        );
      }
      const changes = [...(described.Changes ?? [])];
      let token = described.NextToken;
      while (token) {
        const page = await cfn.send(
          new c.DescribeChangeSetCommand({ ChangeSetName: id, StackName: request.stack, NextToken: token }),
        );
        changes.push(...(page.Changes ?? []));
        token = page.NextToken;
      }
      return { ...base, hasChanges: true, changes: changeRows(changes) };
    }
    if (Date.now() > deadline || request.signal?.aborted) {
      await deleteChangeSet(cfn, id, request.stack);
      throw new UserError(`The change set for stack ${request.stack} was not ready in time (status ${status})`, {
        hint: 'Nothing was changed; run the deploy again.',
        code: 'CHANGE_SET_TIMEOUT',
      });
    }
    await sleep(request.pollMs ?? 1000);
  }
}

export async function executeChangeSet(cfn: Cfn, id: string, stack: string): Promise<void> {
  const { ExecuteChangeSetCommand } = await import('@aws-sdk/client-cloudformation');
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: id, StackName: stack }));
}

/** Best effort: a leftover change set costs nothing and must not hide the real outcome. */
export async function deleteChangeSet(cfn: Cfn, id: string, stack: string): Promise<void> {
  const { DeleteChangeSetCommand } = await import('@aws-sdk/client-cloudformation');
  await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: id, StackName: stack })).catch(() => undefined);
}
