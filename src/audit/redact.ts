/**
 * Field names that must never reach an audit record: plaintext, ciphertext blobs, secrets, private
 * keys. Operations already put only safe fields in `requestParameters`; this is the second line
 * (docs/audit.md §2), so a future operation that forgets cannot leak through the trail.
 */
const FORBIDDEN = /plaintext|ciphertext|secret|password|private_?key/i;

/** A deep copy of `value` without any member whose name looks like it holds secret bytes. */
export function dropSecretFields<T>(value: T): T {
  return strip(value) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    if (FORBIDDEN.test(name)) continue;
    const kept = strip(member);
    if (kept !== undefined) out[name] = kept;
  }
  return out;
}
