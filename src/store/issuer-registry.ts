import type { IssuerId } from '../core/ids.js';
import type { IssuerRecord, IssuerStatus } from './records.js';

export interface IssuerRegistry {
  /** CONFLICT if the id is taken. */
  add(issuer: IssuerRecord): Promise<void>;
  get(id: IssuerId): Promise<IssuerRecord | undefined>;
  list(): Promise<readonly IssuerRecord[]>;
  /** NOT_FOUND if the id is unknown. */
  setStatus(id: IssuerId, status: IssuerStatus): Promise<void>;
}
