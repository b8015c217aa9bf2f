// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} here is CloudFormation Fn::Sub syntax, not JavaScript.
/**
 * The bundled template: cfn-lint clean, secure by construction, and in step with the table
 * contract and the parameter/resource/output names the rest of streamproc relies on.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TABLE_HASH_KEY,
  TABLE_RANGE_KEY,
  TIME_INDEX_HASH_KEY,
  TIME_INDEX_NAME,
  TIME_INDEX_RANGE_KEY,
  TTL_ATTRIBUTE,
} from '../../lambda/contract/table-layout.js';
import { type DerivedResource, resourceNames } from '../../src/config/stack-name.js';
import { type CfnResource, type CfnTemplate, loadTemplate, templatePath } from '../../src/stack/template.js';

const hasCfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasCfnLint) console.warn('cfn-lint is not on PATH: skipping template lint (pip install cfn-lint)');

/**
 * Statements allowed to use Resource "*", as `<resource logical id>/<Sid>`. Each entry must match a
 * comment in the template naming the AWS requirement. Empty: every action used is resource-scoped.
 */
const RESOURCE_STAR_ALLOWED = new Set<string>();

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
}

let template: CfnTemplate;
beforeAll(async () => {
  template = await loadTemplate();
});

function resource(id: string): CfnResource {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
}

function props(id: string): Record<string, unknown> {
  return resource(id).Properties ?? {};
}

/** Every statement of every IAM policy in the template, with the resource it belongs to. */
function statements(): Array<{ owner: string; statement: Statement }> {
  const found: Array<{ owner: string; statement: Statement }> = [];
  for (const [owner, res] of Object.entries(template.Resources)) {
    if (!res.Type.startsWith('AWS::IAM::')) continue;
    const p = res.Properties ?? {};
    const docs = [p.AssumeRolePolicyDocument, p.PolicyDocument];
    for (const policy of (p.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []) {
      docs.push(policy.PolicyDocument);
    }
    for (const doc of docs) {
      const list = (doc as { Statement?: Statement | Statement[] } | undefined)?.Statement ?? [];
      for (const statement of Array.isArray(list) ? list : [list]) found.push({ owner, statement });
    }
  }
  return found;
}

/** Depth-first walk of a parsed template value. */
function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (Array.isArray(value)) for (const item of value) yield* walk(item);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) yield* walk(item);
}

describe('cfn-lint', () => {
  it.skipIf(!hasCfnLint)('reports no errors or warnings', () => {
    const result = spawnSync('cfn-lint', ['--', templatePath()], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(!hasCfnLint)('reports no informational findings either', () => {
    const result = spawnSync('cfn-lint', ['--include-checks', 'I', '--', templatePath()], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('security', () => {
  it('never exposes the producer access key in Outputs', () => {
    const keyIds = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::AccessKey')
      .map(([id]) => id);
    expect(keyIds).toEqual(['ProducerAccessKey']);
    expect(Object.keys(template.Outputs ?? {}).length).toBeGreaterThan(0);
    for (const [name, output] of Object.entries(template.Outputs ?? {})) {
      // Covers Ref, GetAtt (long and dotted form) and ${Key} / ${Key.SecretAccessKey} inside Fn::Sub.
      const text = JSON.stringify(output.Value);
      expect(text, `output ${name}`).not.toMatch(/SecretAccessKey/);
      for (const id of keyIds) {
        expect(text, `output ${name}`).not.toContain(`{"Ref":"${id}"}`);
        expect(text, `output ${name}`).not.toContain(`\${${id}`);
        expect(text, `output ${name}`).not.toMatch(new RegExp(`"Fn::GetAtt":\\[?"${id}`));
      }
    }
  });

  it('writes the secret access key only into the Secrets Manager secret', () => {
    const users = Object.entries(template.Resources)
      .filter(([, r]) => JSON.stringify(r.Properties ?? {}).includes('SecretAccessKey'))
      .map(([id, r]) => [id, r.Type]);
    expect(users).toEqual([['ProducerSecret', 'AWS::SecretsManager::Secret']]);
  });

  it('uses no wildcard IAM actions', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(0);
    for (const { owner, statement } of all) {
      expect(statement.NotAction, `${owner} NotAction`).toBeUndefined();
      const actions = [statement.Action ?? []].flat();
      for (const action of actions) expect(action, `${owner}/${statement.Sid}`).not.toMatch(/\*/);
    }
  });

  it('uses Resource "*" only where an AWS requirement is documented', () => {
    for (const { owner, statement } of statements()) {
      const resources = [statement.Resource ?? []].flat();
      if (resources.includes('*')) expect(RESOURCE_STAR_ALLOWED.has(`${owner}/${statement.Sid}`)).toBe(true);
    }
  });

  it('attaches no managed policies and names no role (least privilege, no CAPABILITY_NAMED_IAM)', () => {
    expect(props('EventProcessorRole').ManagedPolicyArns).toBeUndefined();
    expect(props('EventProcessorRole').RoleName).toBeUndefined();
  });

  it('scopes the producer to putting records into this one stream', () => {
    const producer = statements().filter((s) => s.owner === 'ProducerUser');
    expect(producer).toHaveLength(1);
    expect(producer[0]?.statement.Resource).toEqual({ 'Fn::GetAtt': ['EventStream', 'Arn'] });
    expect([producer[0]?.statement.Action].flat().sort()).toEqual([
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:ListShards',
      'kinesis:PutRecord',
      'kinesis:PutRecords',
    ]);
  });

  it('encrypts the stream, the table and the queue at rest', () => {
    expect(props('EventStream').StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    expect(props('EventDataTable').SSESpecification).toEqual({ SSEEnabled: true });
    expect(props('EventProcessorDLQ').SqsManagedSseEnabled).toBe(true);
  });
});

describe('resources', () => {
  it('names stream, table and function after the stack', () => {
    expect(props('EventStream').Name).toEqual({ 'Fn::Sub': '${AWS::StackName}-EventStream' });
    expect(props('EventDataTable').TableName).toEqual({ 'Fn::Sub': '${AWS::StackName}-EventData' });
    expect(props('EventProcessorFunction').FunctionName).toEqual({ 'Fn::Sub': '${AWS::StackName}-DDBEventProcessor' });
    expect(props('EventProcessorLogGroup').LogGroupName).toEqual({
      'Fn::Sub': '/aws/lambda/${AWS::StackName}-DDBEventProcessor',
    });
  });

  it('derives every resource name exactly as the CLI stack-name rules do (which size the stack-name limit)', () => {
    const named: [DerivedResource, string, string][] = [
      ['stream', 'EventStream', 'Name'],
      ['table', 'EventDataTable', 'TableName'],
      ['function', 'EventProcessorFunction', 'FunctionName'],
      ['dlq', 'EventProcessorDLQ', 'QueueName'],
      ['producerUser', 'ProducerUser', 'UserName'],
      ['producerSecret', 'ProducerSecret', 'Name'],
    ];
    const expected = resourceNames('demo');
    for (const [resource, logicalId, property] of named) {
      const sub = (props(logicalId)[property] as { 'Fn::Sub': string })['Fn::Sub'];
      expect(sub.replace('${AWS::StackName}', 'demo'), `${logicalId}.${property}`).toBe(expected[resource]);
    }
    expect(Object.keys(expected).sort()).toEqual(named.map(([resource]) => resource).sort());
  });

  it('keys the table as lambda/contract/table-layout.ts says, with PITR and TTL', () => {
    const table = props('EventDataTable');
    expect(table.KeySchema).toEqual([
      { AttributeName: TABLE_HASH_KEY, KeyType: 'HASH' },
      { AttributeName: TABLE_RANGE_KEY, KeyType: 'RANGE' },
    ]);
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: TIME_INDEX_NAME,
        KeySchema: [
          { AttributeName: TIME_INDEX_HASH_KEY, KeyType: 'HASH' },
          { AttributeName: TIME_INDEX_RANGE_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    const keys = [TABLE_HASH_KEY, TABLE_RANGE_KEY, TIME_INDEX_HASH_KEY, TIME_INDEX_RANGE_KEY];
    expect(table.AttributeDefinitions).toEqual(keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })));
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('runs the processor on arm64 Node.js with the environment it reads', () => {
    const fn = props('EventProcessorFunction');
    expect(fn.Runtime).toMatch(/^nodejs\d+\.x$/);
    expect(Number((fn.Runtime as string).match(/\d+/)?.[0])).toBeGreaterThanOrEqual(22);
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Code).toEqual({ S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } });
    expect((fn.Environment as { Variables: unknown }).Variables).toEqual({
      TABLE_NAME: { Ref: 'EventDataTable' },
      RETENTION_DAYS: { Ref: 'DataRetentionDays' },
      LOG_LEVEL: { Ref: 'LogLevel' },
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    });
    expect(resource('EventProcessorFunction').DependsOn).toBe('EventProcessorLogGroup');
  });

  it('maps the stream to the function with partial batch failures and an on-failure queue', () => {
    const esm = props('EventSourceMapping');
    expect(esm.EventSourceArn).toEqual({ 'Fn::GetAtt': ['EventStream', 'Arn'] });
    expect(esm.FunctionName).toEqual({ Ref: 'EventProcessorFunction' });
    expect(esm.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(esm.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['EventProcessorDLQ', 'Arn'] } },
    });
    const tunables = [
      'BatchSize',
      'MaximumBatchingWindowInSeconds',
      'StartingPosition',
      'BisectBatchOnFunctionError',
      'MaximumRetryAttempts',
      'MaximumRecordAgeInSeconds',
      'ParallelizationFactor',
      'TumblingWindowInSeconds',
    ];
    for (const name of tunables) expect(esm[name], name).toEqual({ Ref: name });
  });

  it('creates the producer identity only on request', () => {
    expect(template.Conditions?.CreateProducer).toEqual({ 'Fn::Equals': [{ Ref: 'CreateProducerIdentity' }, 'true'] });
    for (const id of ['ProducerUser', 'ProducerAccessKey', 'ProducerSecret']) {
      expect(resource(id).Condition, id).toBe('CreateProducer');
    }
  });

  it('adds a second consumer (function, role, log group, mapping on the same stream) only when its code key is set', () => {
    const consumer = Object.entries(template.Resources)
      .filter(([, r]) => r.Condition === 'HasConsumer')
      .map(([id, r]) => [id, r.Type]);
    expect(consumer).toEqual([
      ['ConsumerLogGroup', 'AWS::Logs::LogGroup'],
      ['ConsumerRole', 'AWS::IAM::Role'],
      ['ConsumerFunction', 'AWS::Lambda::Function'],
      ['ConsumerEventSourceMapping', 'AWS::Lambda::EventSourceMapping'],
    ]);
    expect(template.Conditions?.HasConsumer).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ConsumerCodeS3Key' }, ''] }],
    });
    const mapping = template.Resources.ConsumerEventSourceMapping?.Properties ?? {};
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['EventStream', 'Arn'] },
      FunctionName: { Ref: 'ConsumerFunction' },
      BatchSize: { Ref: 'ConsumerBatchSize' },
      StartingPosition: { Ref: 'ConsumerStartingPosition' },
    });
    expect(template.Resources.ConsumerFunction?.Properties?.Code).toEqual({
      S3Bucket: { Ref: 'CodeS3Bucket' },
      S3Key: { Ref: 'ConsumerCodeS3Key' },
    });
  });

  it('has the outputs deploy reads, without exports', () => {
    const outputs = template.Outputs ?? {};
    expect(Object.keys(outputs)).toEqual([
      'StreamName',
      'StreamArn',
      'TableName',
      'FunctionName',
      'ConsumerFunctionName',
      'DLQUrl',
      'Region',
      'ProducerSecretArn',
    ]);
    expect(outputs.ProducerSecretArn?.Condition).toBe('CreateProducer');
    expect(outputs.ConsumerFunctionName?.Condition).toBe('HasConsumer');
    for (const output of Object.values(outputs)) expect(output.Export).toBeUndefined();
  });

  it('refers only to parameters, resources and pseudo parameters that exist', () => {
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources)]);
    for (const node of walk({ r: template.Resources, o: template.Outputs, c: template.Conditions })) {
      const ref = (node as { Ref?: unknown } | null)?.Ref;
      if (typeof ref === 'string' && !ref.startsWith('AWS::')) expect(known.has(ref), ref).toBe(true);
      const att = (node as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
      if (Array.isArray(att)) expect(template.Resources[att[0] as string], String(att[0])).toBeDefined();
    }
  });
});
