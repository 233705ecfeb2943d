import assert from 'node:assert/strict';
import { AcmeProblem, type AcmeProblemType } from '../../src/protocols/acme/wire/acme-problem.js';

/** Awaits `promise`, requires it to reject with an AcmeProblem of exactly `type`, and returns the problem. */
export async function assertAcmeProblem(
  promise: Promise<unknown>,
  type: AcmeProblemType,
): Promise<AcmeProblem> {
  const outcome = await promise.then(
    () => ({ settled: 'resolved' as const }),
    (error: unknown) => ({ settled: 'rejected' as const, error }),
  );
  assert.equal(outcome.settled, 'rejected', `expected an AcmeProblem of type ${type}, but it resolved`);
  const { error } = outcome as { error: unknown };
  assert.ok(error instanceof AcmeProblem, `expected an AcmeProblem, got ${String(error)}`);
  assert.equal(error.type, type, `expected ${type}, got ${error.type}: ${error.detail}`);
  return error;
}
