import type { AuditErrorCode } from '../../audit/errors.js';

/**
 * Core code → CloudTrail's `__type` and HTTP status (the botocore model's LookupEvents errors; all
 * client errors are 400). docs/audit.md lists the same table; a test keeps the two equal.
 */
export const CLOUDTRAIL_JSON_ERRORS = {
  'invalid-lookup-attributes': { type: 'InvalidLookupAttributesException', status: 400 },
  'invalid-time-range': { type: 'InvalidTimeRangeException', status: 400 },
  'invalid-max-results': { type: 'InvalidMaxResultsException', status: 400 },
  'invalid-next-token': { type: 'InvalidNextTokenException', status: 400 },
  'invalid-event-category': { type: 'InvalidEventCategoryException', status: 400 },
  serialization: { type: 'SerializationException', status: 400 },
} as const satisfies Record<AuditErrorCode, { type: string; status: number }>;
