import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack, StackEvent } from '@aws-sdk/client-cloudformation';

/** Test helpers: stack event factories and replays of the recorded sequences in test/fixtures/cfn. */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export function stackIdOf(name: string): string {
  return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
}

let counter = 0;

/** One stack event; the stack's own events use `LogicalResourceId: <stack name>` and its id. */
export function stackEvent(overrides: Partial<StackEvent> & { stack?: string } = {}): StackEvent {
  counter += 1;
  const stack = overrides.stack ?? 't1';
  const { stack: _s, ...rest } = overrides;
  return {
    EventId: `event-${counter}`,
    StackId: stackIdOf(stack),
    StackName: stack,
    LogicalResourceId: 'EventStream',
    ResourceType: 'AWS::Kinesis::Stream',
    ResourceStatus: 'CREATE_IN_PROGRESS',
    Timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + counter * 1000),
    ...rest,
  };
}

interface FixtureEvent {
  t: number;
  id: string;
  type: string;
  status: string;
  reason?: string;
  physical?: string;
}

export interface Fixture {
  operation: string;
  final: { status: string; reason?: string };
  events: FixtureEvent[];
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', 'fixtures', 'cfn', `${name}.json`), 'utf8'),
  ) as Fixture;
}

/** The fixture's events as StackEvents (oldest first), starting at `start`. */
export function fixtureEvents(fixture: Fixture, stack: string, start: Date): StackEvent[] {
  const stackId = stackIdOf(stack);
  return fixture.events.map((e, i) => ({
    EventId: `${stack}-${fixture.final.status}-${i}`,
    StackId: stackId,
    StackName: stack,
    LogicalResourceId: e.id === 'STACK' ? stack : e.id,
    PhysicalResourceId: e.id === 'STACK' ? stackId : (e.physical ?? `${stack}-${e.id}`),
    ResourceType: e.type,
    ResourceStatus: e.status as StackEvent['ResourceStatus'],
    ResourceStatusReason: e.reason,
    Timestamp: new Date(start.getTime() + e.t * 1000),
  }));
}

/**
 * A stack whose operation is replayed from a fixture: each DescribeStackEvents call reveals
 * `perPoll` more events, DescribeStacks reports the status of the newest revealed stack event
 * (the fixture's final status once everything is revealed).
 */
export class ScriptedStack {
  readonly stackId: string;
  private history: StackEvent[] = [];
  private operation: StackEvent[] = [];
  private revealed = 0;
  private running = false;
  status: string | undefined;
  reason: string | undefined;
  outputs: Record<string, string> = {};
  parameters: Record<string, string> = {};

  constructor(
    readonly name: string,
    initial?: { status: string; history?: StackEvent[] },
    private readonly perPoll = 3,
  ) {
    this.stackId = stackIdOf(name);
    this.status = initial?.status;
    this.history = initial?.history ?? [];
  }

  /** Starts replaying `fixture` (what ExecuteChangeSet or DeleteStack does). */
  play(fixture: Fixture, start = new Date()): void {
    this.operation = fixtureEvents(fixture, this.name, start);
    this.revealed = 0;
    this.running = true;
    this.finalStatus = fixture.final;
  }

  private finalStatus: { status: string; reason?: string } | undefined;

  describeStackEvents(): StackEvent[] {
    if (this.running) {
      this.revealed = Math.min(this.operation.length, this.revealed + this.perPoll);
      const newestStackEvent = this.operation
        .slice(0, this.revealed)
        .reverse()
        .find((e) => e.ResourceType === 'AWS::CloudFormation::Stack');
      if (newestStackEvent) this.status = newestStackEvent.ResourceStatus;
      if (this.revealed === this.operation.length && this.finalStatus) {
        this.status = this.finalStatus.status;
        this.reason = this.finalStatus.reason;
        this.running = false;
        this.history = [...this.history, ...this.operation];
        this.operation = [];
      }
    }
    return [...this.history, ...this.operation.slice(0, this.revealed)].reverse();
  }

  describeStack(): Stack | undefined {
    if (!this.status || this.status === 'DELETE_COMPLETE') return undefined;
    return {
      StackName: this.name,
      StackId: this.stackId,
      StackStatus: this.status as Stack['StackStatus'],
      StackStatusReason: this.reason,
      CreationTime: new Date(),
      Outputs: Object.entries(this.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      Parameters: Object.entries(this.parameters).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
    };
  }
}
