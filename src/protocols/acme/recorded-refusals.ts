/**
 * Refusals the RA has already written to the enrollment log (it records every enroll attempt itself), so the ACME
 * edge does not record them a second time.
 */
const recorded = new WeakSet<Error>();

export function markRecorded<E extends Error>(error: E): E {
  recorded.add(error);
  return error;
}

export function wasRecorded(error: Error): boolean {
  return recorded.has(error);
}
