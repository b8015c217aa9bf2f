/** CloudFormation's StackEvent as the plain data progress events carry, so that ui/ never sees SDK types. */
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import type { StackEventData } from '../../../progress.js';

export function stackEventData(event: StackEvent): StackEventData {
  return {
    timestamp: event.Timestamp,
    status: event.ResourceStatus,
    resourceType: event.ResourceType,
    logicalId: event.LogicalResourceId,
    physicalId: event.PhysicalResourceId,
    reason: event.ResourceStatusReason,
  };
}
