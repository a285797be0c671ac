import { createHash } from 'node:crypto';
import type { AuditEvent, AuditFilterField, AuditStore } from '../../store/types.js';
import { auditError } from '../errors.js';

/** The attribute names LookupEvents accepts (the CloudTrail API's LookupAttributeKey) → store fields. */
export const LOOKUP_ATTRIBUTES = {
  EventId: 'eventId',
  EventName: 'eventName',
  ReadOnly: 'readOnly',
  Username: 'username',
  ResourceType: 'resourceType',
  ResourceName: 'resourceName',
  EventSource: 'eventSource',
  AccessKeyId: 'accessKeyId',
} as const satisfies Record<string, AuditFilterField>;

export interface LookupDeps {
  store: AuditStore;
  /** Epoch ms. */
  clock: () => number;
  /** Events older than this are not returned (and are pruned): CloudTrail's 90 days by default. */
  retentionMs: number;
}

/** Whose trail: the caller's own account, in the region its request was signed for. */
export interface LookupCaller {
  accountId: string;
  region: string;
}

export interface LookupEventsOutput {
  Events: {
    EventId: string;
    EventName: string;
    ReadOnly: string;
    AccessKeyId?: string;
    EventTime: number;
    EventSource: string;
    Username?: string;
    Resources: { ResourceType: string; ResourceName: string }[];
    CloudTrailEvent: string;
  }[];
  NextToken?: string;
}

const MAX_RESULTS = 50;
const MAX_VALUE_LENGTH = 2000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// JSON 1.1 sends timestamps as epoch seconds (possibly fractional); the CLI sometimes as ISO strings.
function seconds(value: unknown, member: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) / 1000 : NaN;
  if (!Number.isFinite(n)) throw auditError('serialization', `${member} is not a valid timestamp.`);
  return n;
}

interface Position {
  eventTime: number;
  sequence: number;
}

// The token names the last event returned and the query it belongs to, so a token used with other
// parameters is refused (as the API documents).
function encodeToken(position: Position, query: string): string {
  return Buffer.from(JSON.stringify({ v: 1, t: position.eventTime, s: position.sequence, q: query })).toString('base64url');
}

function decodeToken(token: unknown, query: string): Position {
  const invalid = () => auditError('invalid-next-token', 'Invalid NextToken.');
  if (typeof token !== 'string' || token.length === 0 || token.length > 1000) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isRecord(parsed) || parsed.v !== 1 || parsed.q !== query || !Number.isSafeInteger(parsed.t) || !Number.isSafeInteger(parsed.s)) throw invalid();
  return { eventTime: parsed.t as number, sequence: parsed.s as number };
}

function toWire(e: AuditEvent): LookupEventsOutput['Events'][number] {
  return {
    EventId: e.eventId,
    EventName: e.eventName,
    ReadOnly: String(e.readOnly),
    ...(e.accessKeyId !== undefined ? { AccessKeyId: e.accessKeyId } : {}),
    EventTime: e.eventTime,
    EventSource: e.eventSource,
    ...(e.username !== undefined ? { Username: e.username } : {}),
    Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
    CloudTrailEvent: e.text,
  };
}

/**
 * LookupEvents over the caller's own trail: the records delivered to its account (its own calls,
 * and others' calls on its keys), newest first, one lookup attribute at most, within the retention
 * window. Any authenticated principal may read its own account's trail (docs/audit.md §6).
 */
export async function lookupEvents(deps: LookupDeps, caller: LookupCaller, input: unknown): Promise<LookupEventsOutput> {
  if (!isRecord(input)) throw auditError('serialization', 'The request must be a JSON object.');
  const attributes = input.LookupAttributes ?? [];
  if (!Array.isArray(attributes)) throw auditError('invalid-lookup-attributes', 'LookupAttributes must be a list.');
  if (attributes.length > 1) throw auditError('invalid-lookup-attributes', 'You can specify only one lookup attribute.');
  let filter: { field: AuditFilterField; value: string } | undefined;
  if (attributes.length === 1) {
    const a: unknown = attributes[0];
    if (!isRecord(a) || typeof a.AttributeKey !== 'string' || !Object.hasOwn(LOOKUP_ATTRIBUTES, a.AttributeKey)) {
      throw auditError('invalid-lookup-attributes', `AttributeKey must be one of ${Object.keys(LOOKUP_ATTRIBUTES).join(', ')}.`);
    }
    if (typeof a.AttributeValue !== 'string' || a.AttributeValue.length === 0 || a.AttributeValue.length > MAX_VALUE_LENGTH) {
      throw auditError('invalid-lookup-attributes', `AttributeValue must be 1 to ${MAX_VALUE_LENGTH} characters.`);
    }
    const field = LOOKUP_ATTRIBUTES[a.AttributeKey as keyof typeof LOOKUP_ATTRIBUTES];
    if (field === 'readOnly' && a.AttributeValue !== 'true' && a.AttributeValue !== 'false') {
      throw auditError('invalid-lookup-attributes', 'The ReadOnly attribute value must be true or false.');
    }
    filter = { field, value: a.AttributeValue };
  }
  const start = seconds(input.StartTime, 'StartTime');
  const end = seconds(input.EndTime, 'EndTime');
  if (start !== undefined && end !== undefined && start > end) throw auditError('invalid-time-range', 'Start time must not be after end time.');
  let limit = MAX_RESULTS;
  if (input.MaxResults !== undefined && input.MaxResults !== null) {
    if (!Number.isInteger(input.MaxResults) || (input.MaxResults as number) < 1 || (input.MaxResults as number) > MAX_RESULTS) {
      throw auditError('invalid-max-results', `MaxResults must be from 1 to ${MAX_RESULTS}.`);
    }
    limit = input.MaxResults as number;
  }
  if (input.EventCategory !== undefined && input.EventCategory !== null && input.EventCategory !== 'insight') {
    throw auditError('invalid-event-category', 'EventCategory must be insight.');
  }
  const query = createHash('sha256')
    .update(JSON.stringify([caller.accountId, caller.region, filter ?? null, start ?? null, end ?? null, input.EventCategory ?? null]))
    .digest('base64url')
    .slice(0, 22);
  const after = input.NextToken === undefined || input.NextToken === null ? undefined : decodeToken(input.NextToken, query);
  // There are no Insights events.
  if (input.EventCategory === 'insight') return { Events: [] };

  // Whole seconds: an event at 12:00:00 is inside a window that ends at 12:00:00.9.
  const oldest = Math.floor((deps.clock() - deps.retentionMs) / 1000);
  const events = await deps.store.lookup({
    accountId: caller.accountId,
    region: caller.region,
    ...(filter ? { filter } : {}),
    startTime: Math.max(oldest, start === undefined ? 0 : Math.ceil(start)),
    ...(end !== undefined ? { endTime: Math.floor(end) } : {}),
    limit: limit + 1,
    ...(after ? { after } : {}),
  });
  const page = events.slice(0, limit);
  const last = page[page.length - 1];
  return {
    Events: page.map(toWire),
    ...(events.length > limit && last ? { NextToken: encodeToken({ eventTime: last.eventTime, sequence: last.sequence }, query) } : {}),
  };
}
