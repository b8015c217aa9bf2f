/** DynamoDB attribute values to plain JSON, for the shapes the table contract stores. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's typed attribute values → plain JSON, for the shapes the table contract stores
 * (strings, numbers, booleans, null, lists, maps, string sets). Kept here instead of importing
 * `@aws-sdk/util-dynamodb`, which is only a transitive dependency of the document client.
 */
export function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return fromItem(value.M);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  if (value.B !== undefined) return Buffer.from(value.B).toString('base64');
  return undefined;
}

export function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) out[name] = fromAttributeValue(value);
  return out;
}
