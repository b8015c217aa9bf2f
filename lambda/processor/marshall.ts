/**
 * Hand-written DynamoDB marshalling for the two item shapes. lib-dynamodb's generic marshaller
 * walks every value with type checks and option handling; the shapes here are fixed, so a direct
 * mapping is several times cheaper and keeps the handler inside its CPU budget per record.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { EventItem, RejectedItem, TweetItem } from '../contract/table-layout.js';

export type AttributeMap = Record<string, AttributeValue>;

function stringList(values: string[]): AttributeValue {
  const list: AttributeValue[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) list[i] = { S: values[i] as string };
  return { L: list };
}

export function marshallTweet(item: TweetItem): AttributeMap {
  const map: AttributeMap = {
    pk: { S: item.pk },
    sk: { S: item.sk },
    tpk: { S: item.tpk },
    tsk: { S: item.tsk },
    kind: { S: item.kind },
    v: { N: String(item.v) },
    tweetId: { S: item.tweetId },
    text: { S: item.text },
    createdAt: { S: item.createdAt },
    arrivedAt: { S: item.arrivedAt },
    processedAt: { S: item.processedAt },
    authorId: { S: item.authorId },
    username: { S: item.username },
    name: { S: item.name },
    lang: item.lang === null ? { NULL: true } : { S: item.lang },
    hashtags: stringList(item.hashtags),
    mentions: stringList(item.mentions),
    source: { S: item.source },
    seq: { S: item.seq },
    shardId: { S: item.shardId },
    expiresAt: { N: String(item.expiresAt) },
  };
  // Contract v2 attributes, only where the item has them (v1 items keep their old shape).
  if (item.network !== undefined) map.network = { S: item.network };
  if (item.postKind !== undefined) map.postKind = { S: item.postKind };
  if (item.refId !== undefined) map.refId = { S: item.refId };
  if (item.refAuthorId !== undefined) map.refAuthorId = { S: item.refAuthorId };
  if (item.refUsername !== undefined) map.refUsername = { S: item.refUsername };
  if (item.truncated !== undefined) map.truncated = { BOOL: item.truncated };
  return map;
}

export function marshallRejected(item: RejectedItem): AttributeMap {
  return {
    pk: { S: item.pk },
    sk: { S: item.sk },
    tpk: { S: item.tpk },
    tsk: { S: item.tsk },
    kind: { S: item.kind },
    reason: { S: item.reason },
    raw: { S: item.raw },
    rawBytes: { N: String(item.rawBytes) },
    rawTruncated: { BOOL: item.rawTruncated },
    partitionKey: { S: item.partitionKey },
    arrivedAt: { S: item.arrivedAt },
    processedAt: { S: item.processedAt },
    seq: { S: item.seq },
    shardId: { S: item.shardId },
    expiresAt: { N: String(item.expiresAt) },
  };
}

export function marshallItem(item: EventItem): AttributeMap {
  return item.kind === 'tweet' ? marshallTweet(item) : marshallRejected(item);
}
