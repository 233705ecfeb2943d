import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { DeviceRecord, DeviceState, PresentedCertificate } from './records.js';

export interface DeviceQuery {
  readonly state?: DeviceState;
  readonly productLine?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface DeviceRegistry {
  get(id: DeviceId): Promise<DeviceRecord | undefined>;
  list(query: DeviceQuery): Promise<readonly DeviceRecord[]>;
  /** Creates the device as `provisioned` if new, and records its birth certificate (IDevID). */
  recordIdevid(
    id: DeviceId,
    idevid: { issuerId: IssuerId; serial: SerialHex; productLine: string | null },
    at: Date,
  ): Promise<void>;
  /**
   * Records a new operational certificate (LDevID): state `active`, last success `at`, no failures since; with
   * when it should be renewed and the certificate the device authenticated with, if known. Creates the device
   * if new.
   */
  recordLdevid(
    id: DeviceId,
    ldevid: {
      issuerId: IssuerId;
      serial: SerialHex;
      notAfter: Date;
      renewAt?: Date;
      presented?: PresentedCertificate;
    },
    at: Date,
  ): Promise<void>;
  /**
   * Records a failed enrollment or renewal attempt for a known device (one more consecutive failure), with the
   * certificate it authenticated with, if any; unknown devices are ignored.
   */
  recordFailure(id: DeviceId, reason: string, at: Date, presented?: PresentedCertificate): Promise<void>;
  setState(id: DeviceId, state: DeviceState, at: Date): Promise<void>;
  /**
   * Marks the device `decommissioned`, registering it so if it was known only by its tokens or certificates
   * (a later request for it must find the state). False when it was decommissioned already.
   */
  decommission(id: DeviceId, at: Date): Promise<boolean>;
}
