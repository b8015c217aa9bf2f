// Lambda event filtering for Kinesis, rule by rule, with the examples of AWS's documentation.
import { describe, expect, it } from 'vitest';
import {
  compileRecordFilter,
  filterPatternProblem,
  MAX_PATTERN_LENGTH,
} from '../../../src/local/mapping/event-filter.js';

/**
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (filter rule syntax,
 * the comparison operator table) and https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html
 * (Kinesis: only the `data` key, JSON data only).
 */

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');
const passes = (patterns: unknown[], data: unknown): boolean =>
  compileRecordFilter(patterns.map((p) => JSON.stringify(p)))(b64(data));
const one = (rule: unknown, data: unknown): boolean => passes([{ data: rule }], data);

describe('event filter: the Kinesis page (with-kinesis-filtering.html)', () => {
  // The page's record: {"RecordNumber": "0001", "TimeStamp": "yyyy-mm-ddThh:mm:ss", "RequestCode": "AAAA"}
  const record = { RecordNumber: '0001', TimeStamp: 'yyyy-mm-ddThh:mm:ss', RequestCode: 'AAAA' };

  it('filters on a property of the data: RequestCode BBBB does not match AAAA', () => {
    expect(one({ RequestCode: ['BBBB'] }, record)).toBe(false);
    expect(one({ RequestCode: ['AAAA'] }, record)).toBe(true);
  });

  it('never matches a data pattern when the data is not JSON', () => {
    const filter = compileRecordFilter([JSON.stringify({ data: { RequestCode: [{ exists: false }] } })]);
    expect(filter(Buffer.from('not json at all').toString('base64'))).toBe(false);
    expect(filter(b64({ other: 1 }))).toBe(true);
  });

  it('refuses patterns on anything but the data key ("Kinesis … only support filtering on the data key")', () => {
    expect(filterPatternProblem(JSON.stringify({ partitionKey: ['1'] }))).toMatch(/only look at the "data" key/);
    expect(filterPatternProblem(JSON.stringify({ kinesis: { partitionKey: ['1'] } }))).toMatch(/"kinesis"/);
    expect(filterPatternProblem(JSON.stringify({ data: { RequestCode: ['AAAA'] } }))).toBeUndefined();
  });
});

describe('event filter: the comparison operators (invocation-eventfiltering.html)', () => {
  it('Null: "UserID": [ null ] matches null only, not a missing key or a string', () => {
    expect(one({ UserID: [null] }, { UserID: null })).toBe(true);
    expect(one({ UserID: [null] }, {})).toBe(false);
    expect(one({ UserID: [null] }, { UserID: 'null' })).toBe(false);
  });

  it('Empty: "LastName": [""] matches the empty string only', () => {
    expect(one({ LastName: [''] }, { LastName: '' })).toBe(true);
    expect(one({ LastName: [''] }, { LastName: ' ' })).toBe(false);
    expect(one({ LastName: [''] }, { LastName: null })).toBe(false);
  });

  it('Equals: "Name": [ "Alice" ] is exact and typed', () => {
    expect(one({ Name: ['Alice'] }, { Name: 'Alice' })).toBe(true);
    expect(one({ Name: ['Alice'] }, { Name: 'alice' })).toBe(false);
    expect(one({ Count: [5] }, { Count: 5 })).toBe(true);
    expect(one({ Count: [5] }, { Count: '5' })).toBe(false);
    expect(one({ On: [true] }, { On: true })).toBe(true);
    expect(one({ On: [true] }, { On: 'true' })).toBe(false);
  });

  it('Equals (ignore case): "Name": [ { "equals-ignore-case": "alice" } ]', () => {
    expect(one({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' })).toBe(true);
    expect(one({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' })).toBe(false);
  });

  it('And: "Location": [ "New York" ], "Day": ["Monday"] needs both', () => {
    const rule = { Location: ['New York'], Day: ['Monday'] };
    expect(one(rule, { Location: 'New York', Day: 'Monday' })).toBe(true);
    expect(one(rule, { Location: 'New York', Day: 'Tuesday' })).toBe(false);
  });

  it('Or: "PaymentType": [ "Credit", "Debit"] matches either value', () => {
    const rule = { PaymentType: ['Credit', 'Debit'] };
    expect(one(rule, { PaymentType: 'Debit' })).toBe(true);
    expect(one(rule, { PaymentType: 'Cash' })).toBe(false);
  });

  it('Or (multiple fields): "$or": [ { "Location": [ "New York" ] }, { "Day": [ "Monday" ] } ]', () => {
    const rule = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
    expect(one(rule, { Location: 'Paris', Day: 'Monday' })).toBe(true);
    expect(one(rule, { Location: 'Paris', Day: 'Friday' })).toBe(false);
  });

  it('Not: "Weather": [ { "anything-but": [ "Raining" ] } ] (and needs the key to exist)', () => {
    const rule = { Weather: [{ 'anything-but': ['Raining'] }] };
    expect(one(rule, { Weather: 'Sunny' })).toBe(true);
    expect(one(rule, { Weather: 'Raining' })).toBe(false);
    expect(one(rule, {})).toBe(false);
    expect(one({ Weather: [{ 'anything-but': 'Raining' }] }, { Weather: 'Snow' })).toBe(true);
    expect(one({ Code: [{ 'anything-but': [1, 2] }] }, { Code: 2 })).toBe(false);
  });

  it('anything-but with prefix: {"anything-but": {"prefix": "init"}}', () => {
    const rule = { state: [{ 'anything-but': { prefix: 'init' } }] };
    expect(one(rule, { state: 'initializing' })).toBe(false);
    expect(one(rule, { state: 'running' })).toBe(true);
    expect(one({ file: [{ 'anything-but': { suffix: '.tmp' } }] }, { file: 'a.txt' })).toBe(true);
  });

  it('Numeric (equals): "Price": [ { "numeric": [ "=", 100 ] } ]', () => {
    expect(one({ Price: [{ numeric: ['=', 100] }] }, { Price: 100 })).toBe(true);
    expect(one({ Price: [{ numeric: ['=', 100] }] }, { Price: 100.5 })).toBe(false);
    expect(one({ Price: [{ numeric: ['=', 100] }] }, { Price: '100' })).toBe(false);
  });

  it('Numeric (range): "Price": [ { "numeric": [ ">", 10, "<=", 20 ] } ]', () => {
    const rule = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
    expect(one(rule, { Price: 10 })).toBe(false);
    expect(one(rule, { Price: 10.01 })).toBe(true);
    expect(one(rule, { Price: 20 })).toBe(true);
    expect(one(rule, { Price: 20.5 })).toBe(false);
    // The page's metadata example: [ { "numeric": [ ">", 0, "<=", 5 ] } ]
    expect(one({ metadata1: [{ numeric: ['>', 0, '<=', 5] }] }, { metadata1: 5 })).toBe(true);
  });

  it('Exists / Does not exist: "ProductName": [ { "exists": true } ] / [ { "exists": false } ]', () => {
    expect(one({ ProductName: [{ exists: true }] }, { ProductName: 'x' })).toBe(true);
    expect(one({ ProductName: [{ exists: true }] }, {})).toBe(false);
    expect(one({ ProductName: [{ exists: false }] }, {})).toBe(true);
    expect(one({ ProductName: [{ exists: false }] }, { ProductName: 'x' })).toBe(false);
  });

  it('Begins with: "Region": [ {"prefix": "us-" } ]; Ends with: "FileName": [ { "suffix": ".png" } ]', () => {
    expect(one({ Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' })).toBe(true);
    expect(one({ Region: [{ prefix: 'us-' }] }, { Region: 'eu-west-1' })).toBe(false);
    expect(one({ FileName: [{ suffix: '.png' }] }, { FileName: 'cat.png' })).toBe(true);
    expect(one({ FileName: [{ suffix: '.png' }] }, { FileName: 'cat.jpg' })).toBe(false);
  });

  it('nested keys: {"data": {"author": {"lang": ["en"]}}}', () => {
    expect(one({ author: { lang: ['en'] } }, { author: { lang: 'en' } })).toBe(true);
    expect(one({ author: { lang: ['en'] } }, { author: { lang: 'fr' } })).toBe(false);
    expect(one({ author: { lang: ['en'] } }, { lang: 'en' })).toBe(false);
  });

  it('arrays in data: a value matches when any element matches', () => {
    expect(one({ hashtags: ['aws'] }, { hashtags: ['lambda', 'aws'] })).toBe(true);
    expect(one({ hashtags: ['aws'] }, { hashtags: ['lambda'] })).toBe(false);
    expect(one({ users: { name: [{ prefix: 'b' }] } }, { users: [{ name: 'ann' }, { name: 'bob' }] })).toBe(true);
    expect(one({ scores: [{ numeric: ['>', 90] }] }, { scores: [12, 95] })).toBe(true);
  });

  it('rules on the data as a whole when it is a JSON scalar', () => {
    expect(one(['hello'], 'hello')).toBe(true);
    expect(one([{ numeric: ['>=', 3] }], 2)).toBe(false);
  });
});

describe('event filter: several filters (FilterCriteria.Filters)', () => {
  it('a record passes when ANY filter matches ("Your filters are logically ORed together")', () => {
    const filters = [{ data: { lang: ['en'] } }, { data: { lang: ['de'] } }];
    expect(passes(filters, { lang: 'de' })).toBe(true);
    expect(passes(filters, { lang: 'fr' })).toBe(false);
  });

  it('no filters: every record passes, JSON or not', () => {
    const filter = compileRecordFilter([]);
    expect(filter(Buffer.from('\u0000binary').toString('base64'))).toBe(true);
  });
});

describe('event filter: patterns Lambda refuses', () => {
  const problem = (pattern: unknown) => filterPatternProblem(JSON.stringify(pattern));

  it('not JSON, not an object, or empty', () => {
    expect(filterPatternProblem('{data:')).toMatch(/^not JSON/);
    expect(problem(['data'])).toMatch(/JSON object/);
    expect(problem({})).toMatch(/empty/);
    expect(problem({ data: {} })).toMatch(/empty/);
  });

  it('a leaf that is not a list of rules, or an empty list', () => {
    expect(problem({ data: { lang: 'en' } })).toMatch(/must be a list of rules/);
    expect(problem({ data: { lang: [] } })).toMatch(/empty list/);
  });

  it('unknown operators and bad operands', () => {
    expect(problem({ data: { a: [{ wildcard: '*x' }] } })).toMatch(/unknown operator "wildcard"/);
    expect(problem({ data: { a: [{ prefix: 1 }] } })).toMatch(/"prefix" takes a string/);
    expect(problem({ data: { a: [{ exists: 'yes' }] } })).toMatch(/"exists" takes true or false/);
    expect(problem({ data: { a: [{ numeric: ['>', 'x'] }] } })).toMatch(/not a number/);
    expect(problem({ data: { a: [{ numeric: ['!=', 1] }] } })).toMatch(/not one of/);
    expect(problem({ data: { a: [{ numeric: ['<', 5, '>', 1] }] } })).toMatch(/lower bound/);
    expect(problem({ data: { a: [{ numeric: ['>', 1, '<'] }] } })).toMatch(/numeric/);
    expect(problem({ data: { a: [{ 'anything-but': [] }] } })).toMatch(/at least one value/);
    expect(problem({ data: { a: [{ 'anything-but': { wildcard: 'x' } }] } })).toMatch(/anything-but/);
    expect(problem({ data: { a: [{ prefix: 'x', suffix: 'y' }] } })).toMatch(/exactly one operator/);
  });

  it('a pattern longer than 4096 characters (Filter.Pattern Maximum)', () => {
    const long = JSON.stringify({ data: { a: ['x'.repeat(MAX_PATTERN_LENGTH)] } });
    expect(filterPatternProblem(long)).toMatch(/more than Lambda's 4096/);
  });

  it('$or needs a list of at least two patterns', () => {
    expect(problem({ data: { $or: [{ a: ['x'] }] } })).toMatch(/at least two/);
    expect(problem({ $or: { data: { a: ['x'] } } })).toMatch(/at least two/);
    expect(problem({ $or: [{ data: { a: ['x'] } }, { data: { b: ['y'] } }] })).toBeUndefined();
    expect(problem({ $or: [{ data: { a: ['x'] } }, { partitionKey: ['y'] }] })).toMatch(/"partitionKey"/);
  });
});
