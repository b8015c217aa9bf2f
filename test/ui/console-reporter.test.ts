/** The console reporter: each progress event kind as it looks on the console, in a pipe and on a colour terminal. */
import { describe, expect, it } from 'vitest';
import type { ProgressEvent, StackEventData } from '../../src/progress.js';
import { consoleReporter, progressLines } from '../../src/ui/console-reporter.js';
import { stripAnsi } from '../../src/ui/style.js';

const YELLOW = '\u001B[33m';
const RED = '\u001B[31m';
const RESET_FG = '\u001B[39m';

/** A stream double that keeps what is written. */
function sink() {
  const chunks: string[] = [];
  const stream = { isTTY: false, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => chunks.join('').split('\n').slice(0, -1) };
}

const failed: StackEventData = {
  timestamp: new Date(2026, 0, 1, 9, 5, 7),
  status: 'CREATE_FAILED',
  resourceType: 'AWS::Lambda::Function',
  logicalId: 'EventProcessorFunction',
  physicalId: 't1-EventProcessorFunction',
  reason: 'Access\n  Denied',
};
const cancelled: StackEventData = {
  status: 'CREATE_FAILED',
  resourceType: 'AWS::DynamoDB::Table',
  logicalId: 'EventDataTable',
  reason: 'Resource creation cancelled',
};

describe('console reporter, in a pipe', () => {
  it('writes each event kind as one or more plain lines', () => {
    // Prepare
    const out = sink();
    const reporter = consoleReporter({ stream: out.stream, interactive: false, color: false });
    // Act
    reporter.info('Deploying stack t1');
    reporter.warn('careful');
    reporter.emit({ type: 'stackEvent', event: failed });
    reporter.emit({ type: 'stillInProgress', seconds: 40.2, resources: ['A', 'B', 'C', 'D', 'E'] });
    reporter.emit({ type: 'failedResources', events: [failed, cancelled] });
    // Assess
    expect(out.lines()).toEqual([
      'Deploying stack t1',
      '! careful',
      `09:05:07  ${'CREATE_FAILED'.padEnd(28)}  ${'AWS::Lambda::Function'.padEnd(34)}  EventProcessorFunction  Access Denied`,
      '! still in progress after 40s (waiting on A, B, C, D, …)',
      'Failed resources:',
      '  EventProcessorFunction (AWS::Lambda::Function) CREATE_FAILED: Access Denied',
      '  EventDataTable (AWS::DynamoDB::Table) CREATE_FAILED: Resource creation cancelled',
    ]);
  });

  it('writes the change set as a table, or a sentence when no resource changes', () => {
    const out = sink();
    const reporter = consoleReporter({ stream: out.stream, interactive: false, color: false });
    reporter.emit({
      type: 'changeSet',
      changes: [
        { action: 'Add', logicalId: 'EventStream', type: 'AWS::Kinesis::Stream' },
        { action: 'Modify', logicalId: 'EventDataTable', type: 'AWS::DynamoDB::Table', replacement: 'True' },
      ],
    });
    reporter.emit({ type: 'changeSet', changes: [] });
    expect(out.lines()).toEqual([
      '┌────────┬────────────────┬──────────────────────┬─────────────┐',
      '│ Action │ Logical ID     │ Type                 │ Replacement │',
      '├────────┼────────────────┼──────────────────────┼─────────────┤',
      '│ Add    │ EventStream    │ AWS::Kinesis::Stream │             │',
      '├────────┼────────────────┼──────────────────────┼─────────────┤',
      '│ Modify │ EventDataTable │ AWS::DynamoDB::Table │ True        │',
      '└────────┴────────────────┴──────────────────────┴─────────────┘',
      'The change set lists no resource changes (parameters or outputs only).',
    ]);
  });

  it('writes nothing for an empty failure summary', () => {
    expect(progressLines({ type: 'failedResources', events: [] }, false)).toEqual([]);
  });
});

describe('console reporter, on a colour terminal', () => {
  const every: ProgressEvent[] = [
    { type: 'info', message: 'Deploying stack t1' },
    { type: 'warn', message: 'careful' },
    { type: 'stackEvent', event: failed },
    { type: 'stillInProgress', seconds: 20, resources: [] },
    { type: 'changeSet', changes: [{ action: 'Remove', logicalId: 'ProducerUser', type: 'AWS::IAM::User' }] },
    { type: 'failedResources', events: [failed] },
  ];

  it('colours the same text: warnings yellow, failures red', () => {
    const colored = every.map((event) => progressLines(event, true));
    const plain = every.map((event) => progressLines(event, false));
    expect(colored.map((lines) => lines.map(stripAnsi))).toEqual(plain);
    expect(colored[1]?.[0]).toBe(`${YELLOW}!${RESET_FG} careful`);
    expect(colored[2]?.[0]).toContain(`${RED}CREATE_FAILED`);
    expect(colored[3]?.[0]).toBe(`${YELLOW}!${RESET_FG} still in progress after 20s`);
    expect(colored[4]?.join('\n')).toContain(`${RED}Remove`);
    expect(colored[5]?.[1]).toContain(`${RED}EventProcessorFunction`);
  });

  it('writes no escape codes without colour', () => {
    for (const lines of every.map((event) => progressLines(event, false))) {
      for (const line of lines) expect(line).toBe(stripAnsi(line));
    }
  });
});
