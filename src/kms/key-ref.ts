/** How a request names a key: key id, key ARN, alias name or alias ARN (AWS KMS "KeyId" forms). */
export type KeyRef =
  | { kind: 'key-id'; keyId: string }
  | { kind: 'key-arn'; keyId: string; region: string; accountId: string; arn: string }
  | { kind: 'alias-name'; name: string }
  | { kind: 'alias-arn'; name: string; region: string; accountId: string; arn: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

/** Parses a KeyId; undefined when it has none of the four forms (the caller answers NotFound). */
export function parseKeyRef(value: string): KeyRef | undefined {
  if (UUID.test(value)) return { kind: 'key-id', keyId: value };
  if (value.startsWith('alias/')) return { kind: 'alias-name', name: value };
  const m = ARN.exec(value);
  if (!m) return undefined;
  const [, , region, accountId, type, rest] = m as unknown as [string, string, string, string, string, string];
  if (type === 'key') return UUID.test(rest) ? { kind: 'key-arn', keyId: rest, region, accountId, arn: value } : undefined;
  return { kind: 'alias-arn', name: `alias/${rest}`, region, accountId, arn: value };
}

export const isUuid = (value: string): boolean => UUID.test(value);

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
}

export function aliasArn(region: string, accountId: string, name: string): string {
  return `arn:aws:kms:${region}:${accountId}:${name}`;
}
