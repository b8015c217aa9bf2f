/** The stack events printer and the change set table: how stack activity looks on the console. */
import { describe, expect, it } from 'vitest';
import type { StackEventData } from '../../src/progress.js';
import { stackEventData } from '../../src/stack/aws/stack-events/stack-event-data.js';
import { renderChangeSet, renderChangeSetTable } from '../../src/ui/change-set-table.js';
import {
  formatFailedResources,
  formatStackEvent,
  formatStillInProgress,
  statusColor,
} from '../../src/ui/stack-events-printer.js';
import { stripAnsi } from '../../src/ui/style.js';
import { fixtureEvents, loadFixture } from '../helpers/cfn-script.js';

const RED = '\u001B[31m';
const GREEN = '\u001B[32m';
const YELLOW = '\u001B[33m';

/** One stack event as the printer receives it. */
function stackEvent(overrides: StackEventData = {}): StackEventData {
  return {
    timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)),
    status: 'CREATE_IN_PROGRESS',
    resourceType: 'AWS::Kinesis::Stream',
    logicalId: 'EventStream',
    ...overrides,
  };
}

describe('formatStackEvent', () => {
  it('shows time, status, type, logical id and reason on one line', () => {
    const event = stackEvent({
      timestamp: new Date(Date.UTC(2026, 0, 1, 9, 5, 7)),
      status: 'CREATE_FAILED',
      resourceType: 'AWS::Lambda::Function',
      logicalId: 'EventProcessorFunction',
      reason: 'Access\n  Denied',
    });
    const line = formatStackEvent(event, { utc: true });
    expect(line).toMatch(/^09:05:07 {2}CREATE_FAILED +AWS::Lambda::Function +EventProcessorFunction {2}Access Denied$/);
  });

  it('writes no escape codes without colour', () => {
    const line = formatStackEvent(stackEvent({ status: 'CREATE_FAILED', reason: 'x' }));
    expect(line).toBe(stripAnsi(line));
  });

  it('colours FAILED red, ROLLBACK yellow, COMPLETE green, IN_PROGRESS not at all', () => {
    const colored = (status: string) => formatStackEvent(stackEvent({ status }), { color: true });
    expect(colored('CREATE_FAILED')).toContain(`${RED}CREATE_FAILED`);
    expect(colored('ROLLBACK_IN_PROGRESS')).toContain(`${YELLOW}ROLLBACK_IN_PROGRESS`);
    expect(colored('UPDATE_ROLLBACK_COMPLETE')).toContain(`${YELLOW}UPDATE_ROLLBACK_COMPLETE`);
    expect(colored('CREATE_COMPLETE')).toContain(`${GREEN}CREATE_COMPLETE`);
    const inProgress = colored('CREATE_IN_PROGRESS');
    expect(inProgress).not.toContain(`${RED}CREATE_IN_PROGRESS`);
    expect(inProgress).not.toContain(`${GREEN}CREATE_IN_PROGRESS`);
    expect(statusColor('CREATE_IN_PROGRESS')).toBeUndefined();
  });

  it('prints a recorded failed create readably, in order', () => {
    const events = fixtureEvents(loadFixture('create-rollback'), 't1', new Date(Date.UTC(2026, 0, 1, 12, 0, 0)));
    const lines = events.map((e) => formatStackEvent(stackEventData(e), { utc: true }));
    expect(lines[0]).toMatch(/^12:00:00 {2}CREATE_IN_PROGRESS +AWS::CloudFormation::Stack +t1 {2}User Initiated$/);
    expect(lines.at(-1)).toMatch(/^12:01:16 {2}ROLLBACK_COMPLETE +AWS::CloudFormation::Stack +t1$/);
    expect(lines.filter((l) => l.includes('CREATE_FAILED'))).toHaveLength(2);
  });
});

describe('formatStillInProgress', () => {
  it('names up to four resources still in progress', () => {
    expect(formatStillInProgress(20.4, [])).toBe('still in progress after 20s');
    expect(formatStillInProgress(40, ['A', 'B', 'C', 'D', 'E'])).toBe(
      'still in progress after 40s (waiting on A, B, C, D, …)',
    );
  });
});

describe('formatFailedResources', () => {
  it('lists each failed resource with its reason', () => {
    const lines = formatFailedResources([
      stackEvent({
        logicalId: 'Fn',
        resourceType: 'AWS::Lambda::Function',
        status: 'CREATE_FAILED',
        reason: 'denied',
      }),
    ]);
    expect(lines).toEqual(['Failed resources:', '  Fn (AWS::Lambda::Function) CREATE_FAILED: denied']);
    expect(formatFailedResources([])).toEqual([]);
  });
});

describe('renderChangeSetTable', () => {
  it('shows action, logical id, type and replacement', () => {
    const table = renderChangeSetTable(
      [
        { action: 'Modify', logicalId: 'EventStream', type: 'AWS::Kinesis::Stream', replacement: 'False' },
        { action: 'Modify', logicalId: 'EventDataTable', type: 'AWS::DynamoDB::Table', replacement: 'True' },
        { action: 'Remove', logicalId: 'ProducerUser', type: 'AWS::IAM::User' },
      ],
      false,
    );
    expect(table).toContain('Replacement');
    expect(table).toMatch(/Modify +│ EventDataTable +│ AWS::DynamoDB::Table +│ True/);
    expect(table).toMatch(/Remove +│ ProducerUser/);
    expect(table).toBe(stripAnsi(table));
  });

  it('colours removals and replacements red, additions green, modifications yellow, only with colour', () => {
    const table = renderChangeSetTable(
      [
        { action: 'Add', logicalId: 'Queue', type: 'AWS::SQS::Queue' },
        { action: 'Modify', logicalId: 'EventDataTable', type: 'AWS::DynamoDB::Table', replacement: 'True' },
        { action: 'Modify', logicalId: 'EventStream', type: 'AWS::Kinesis::Stream', replacement: 'Conditional' },
        { action: 'Remove', logicalId: 'ProducerUser', type: 'AWS::IAM::User' },
      ],
      true,
    );
    expect(table).toContain(`${GREEN}Add`);
    expect(table).toContain(`${YELLOW}Modify`);
    expect(table).toContain(`${RED}True`);
    expect(table).toContain(`${YELLOW}Conditional`);
    expect(table).toContain(`${RED}Remove`);
  });

  it('says so in a sentence when no resource changes', () => {
    expect(renderChangeSet([], false)).toBe('The change set lists no resource changes (parameters or outputs only).');
    const changes = [{ action: 'Add', logicalId: 'EventStream', type: 'AWS::Kinesis::Stream' }];
    expect(renderChangeSet(changes, false)).toBe(renderChangeSetTable(changes, false));
  });
});
