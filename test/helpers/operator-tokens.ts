import { OperatorTokens } from '../../src/api/operator-tokens.js';
import type { Clock } from '../../src/core/clock.js';
import type { Store } from '../../src/store/store.js';

/**
 * The API's token registrar over `store`, and one admin and one read token made with it (`<prefix>-admin`,
 * `<prefix>-read`, no expiry), as an operator would create them with `certfleet api-token create`.
 */
export async function createOperatorTokens(
  store: Pick<Store, 'apiTokens' | 'audit'>,
  clock: Clock,
  prefix: string,
): Promise<{ readonly registrar: OperatorTokens; readonly admin: string; readonly read: string }> {
  const registrar = new OperatorTokens({ tokens: store.apiTokens, audit: store.audit, clock });
  const create = async (scope: 'admin' | 'read') =>
    (await registrar.create('operator:cli', { name: `${prefix}-${scope}`, scope, lifetimeSeconds: null }))
      .token;
  return { registrar, admin: await create('admin'), read: await create('read') };
}
