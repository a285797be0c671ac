/**
 * Asserts a named invariant. Every call sits under a `/* Precondition: … *\/` or
 * `/* Postcondition: … *\/` comment, and a test titled with the same words proves it
 * (`npm run check:conditions`).
 */
export function needs(condition: unknown, message: string | (() => Error)): asserts condition {
  if (condition) return;
  throw typeof message === 'function' ? message() : new Error(message);
}
