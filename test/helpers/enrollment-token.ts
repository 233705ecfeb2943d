import { toDeviceId } from '../../src/core/ids.js';
import type { Runtime } from '../../src/server/runtime.js';

/** An enrollment token as a device holds it: the id (CMP's MAC reference) and the secret. */
export interface TestEnrollmentToken {
  readonly id: string;
  readonly secret: string;
}

/**
 * A fresh enrollment token for `deviceId`, minted as the CLI and the API mint them (secret derived from the id) and
 * valid for an hour of the runtime's clock: what `certfleet device add <id> --token` gives an operator.
 */
export async function createEnrollmentToken(
  runtime: Pick<Runtime, 'tokenSecrets' | 'store' | 'clock'>,
  deviceId: string,
  profile = 'ldevid',
): Promise<TestEnrollmentToken> {
  const id = toDeviceId(deviceId);
  if (!id) throw new Error(`${deviceId} is not a device id`);
  const minted = runtime.tokenSecrets.mint();
  const now = runtime.clock.now();
  await runtime.store.tokens.create(
    {
      id: minted.id,
      secretSha256: minted.secretSha256,
      deviceId: id,
      profile,
      label: null,
      createdBy: 'test',
      expiresAt: new Date(now.getTime() + 3_600_000),
    },
    now,
  );
  return { id: minted.id, secret: minted.secret };
}
