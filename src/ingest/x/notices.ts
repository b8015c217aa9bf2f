/** What X sends besides posts: v1.1 stream notices and v2 error objects, named and described. */
import { idOf, isObject, type Json, str, v1IdOf } from './json.js';

/**
 * v1.1 stream messages that are not posts (X's "streaming message types": public, user and site
 * streams). Clients must tolerate kinds they do not know; these are the documented ones.
 */
export const V1_NOTICE_KINDS = [
  'delete',
  'scrub_geo',
  'limit',
  'status_withheld',
  'user_withheld',
  'disconnect',
  'warning',
  'friends',
  'event',
  'control',
  'direct_message',
] as const;
export type V1NoticeKind = (typeof V1_NOTICE_KINDS)[number];

/** `error`: an X problem object (v2 `errors[]`, or a bare one); `empty-page`: a page with no posts. */
export type XNoticeKind = V1NoticeKind | 'error' | 'empty-page';

export interface XNotice {
  kind: XNoticeKind;
  /** X's own title for an `error` (`operational-disconnect`, `Not Found Error`, `ConnectionException`). */
  title?: string;
  /** One readable line: what X said, with the ids it named. */
  detail: string;
}

/** The name a summary counts a notice under: X's title for errors, the kind otherwise. */
export function noticeLabel(notice: Pick<XNotice, 'title'> & { kind: string }): string {
  return notice.kind === 'error' ? (notice.title ?? 'error') : notice.kind;
}

const countries = (value: unknown): string =>
  Array.isArray(value) && value.length > 0 ? ` in ${value.filter((c) => typeof c === 'string').join(', ')}` : '';

function deleteDetail(body: Json): string {
  const status = isObject(body.status) ? body.status : undefined;
  if (status) return `post ${v1IdOf(status) ?? '?'} by user ${v1IdOf(status, 'user_id') ?? '?'} deleted`;
  return isObject(body.direct_message) ? 'direct message deleted' : 'deleted';
}

function limitDetail(body: Json): string {
  const counts = Object.entries(body)
    .filter(([key, value]) => key !== 'timestamp_ms' && typeof value === 'number')
    .map(([key, value]) => `${value} (${key})`);
  return `undelivered posts since the connection opened: ${counts.join(', ') || 'unknown'}`;
}

function v1Detail(kind: V1NoticeKind, body: unknown, value: Json): string {
  const b = isObject(body) ? body : {};
  switch (kind) {
    case 'delete':
      return deleteDetail(b);
    case 'scrub_geo':
      return `remove geo data of user ${v1IdOf(b, 'user_id') ?? '?'} up to post ${v1IdOf(b, 'up_to_status_id') ?? '?'}`;
    case 'limit':
      return limitDetail(b);
    case 'status_withheld':
      return `post ${idOf(b.id) ?? '?'} by user ${idOf(b.user_id) ?? '?'} withheld${countries(b.withheld_in_countries)}`;
    case 'user_withheld':
      return `user ${idOf(b.id) ?? '?'} withheld${countries(b.withheld_in_countries)}`;
    case 'disconnect':
      return [`code ${String(b.code ?? '?')}`, str(b.reason), str(b.stream_name)].filter(Boolean).join(': ');
    case 'warning':
      return [str(b.code), str(b.message)].filter(Boolean).join(': ') || 'warning';
    case 'friends':
      return `friends list of ${Array.isArray(body) ? body.length : 0} accounts`;
    case 'event':
      return `account event ${String(value.event)}`;
    case 'control':
      return `control stream ${str(b.control_uri) ?? ''}`.trim();
    case 'direct_message':
      return 'direct message';
  }
}

/** The v1.1 notice a stream message is, or undefined when it is not one. */
export function v1NoticeOf(value: Json): XNotice | undefined {
  if (typeof value.event === 'string' && !isObject(value.user)) {
    return { kind: 'event', detail: v1Detail('event', undefined, value) };
  }
  if ('friends_str' in value) return { kind: 'friends', detail: v1Detail('friends', value.friends_str, value) };
  for (const kind of V1_NOTICE_KINDS) {
    if (kind !== 'event' && kind in value) return { kind, detail: v1Detail(kind, value[kind], value) };
  }
  return undefined;
}

/** One X problem object (RFC 7807 style: `title`, `detail`, `type`, and ids) as a notice. */
export function problemNotice(problem: Json): XNotice {
  const title = str(problem.title) ?? str(problem.type) ?? 'error';
  const detail = str(problem.detail) ?? str(problem.message) ?? str(problem.value) ?? '';
  return { kind: 'error', title, detail };
}

/** A v2 `errors` array as notices, one per problem; anything that is not an object is skipped. */
export function errorNotices(errors: unknown): XNotice[] {
  return Array.isArray(errors) ? errors.filter(isObject).map(problemNotice) : [];
}

/** True for a bare X problem object, as X sends instead of a stream when it refuses one. */
export function isProblem(value: Json): boolean {
  return typeof value.title === 'string' && ('detail' in value || 'type' in value) && !('data' in value);
}
