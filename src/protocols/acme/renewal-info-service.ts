import type { Clock } from '../../core/clock.js';
import type { IssuerId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { bytesToHex } from '../../pki/der.js';
import { isProfileName } from '../../pki/profiles/certificate-profile.js';
import type { ProfileSet } from '../../pki/profiles/profile-set.js';
import { serialToHex } from '../../pki/serial.js';
import type { CertificateRecord } from '../../store/records.js';
import type { CertificateReader } from '../../store/certificate-reader.js';
import type { RenewalWindows } from '../../store/acme-state.js';
import type { AcmeResponse } from './acme-response.js';
import { parseAriCertId } from './wire/ari-cert-id.js';

export interface RenewalInfoDependencies {
  readonly certificates: Pick<CertificateReader, 'get'>;
  readonly windows: Pick<RenewalWindows, 'get'>;
  readonly issuerByKeyId: (keyIdHex: string) => IssuerId | undefined;
  readonly profiles: ProfileSet;
  readonly clock: Clock;
}

export interface SuggestedWindow {
  readonly start: Date;
  readonly end: Date;
  readonly explanationUrl: string | null;
}

/** Without a profile rule, renewal starts at two thirds of the lifetime, as for every online profile. */
const DEFAULT_WINDOW_START = 2 / 3;

/**
 * RFC 9773 §4: the window in which the client should renew each certificate, unauthenticated (GET). By default it
 * opens at the profile's renewal point (what the device agent computes on its own) and closes halfway to expiry;
 * an operator may pull it forward for chosen certificates (e.g. their issuer is being retired), and a revoked
 * certificate's window lies in the past, which tells the client to renew now (§4.2).
 */
export class RenewalInfoService {
  constructor(
    private readonly deps: RenewalInfoDependencies,
    private readonly retryAfterSeconds: number,
  ) {}

  async renewalInfo(certId: string): Promise<AcmeResponse> {
    const parts = parseAriCertId(certId);
    const issuerId = this.deps.issuerByKeyId(bytesToHex(parts.keyIdentifier));
    const record =
      issuerId === undefined
        ? undefined
        : await this.deps.certificates.get(issuerId, serialToHex(parts.serial));
    if (!record || record.status === 'prepared')
      throw new PkiError('NOT_FOUND', 'no certificate has this identifier');
    const window = await this.window(record);
    return {
      status: 200,
      body: {
        suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() },
        ...(window.explanationUrl === null ? {} : { explanationURL: window.explanationUrl }),
      },
      retryAfterSeconds: this.retryAfterSeconds,
    };
  }

  async window(record: CertificateRecord): Promise<SuggestedWindow> {
    const now = this.deps.clock.now();
    if (record.status === 'revoked') {
      return {
        start: new Date(now.getTime() - 3_600_000),
        end: new Date(now.getTime() - 60_000),
        explanationUrl: null,
      };
    }
    const set = await this.deps.windows.get(record.issuerId, record.serial);
    if (set) return { start: set.start, end: set.end, explanationUrl: set.explanationUrl };
    const notBefore = record.notBefore.getTime();
    const notAfter = record.notAfter.getTime();
    const share =
      (isProfileName(record.profile)
        ? this.deps.profiles.profile(record.profile).renewalWindowStart
        : undefined) ?? DEFAULT_WINDOW_START;
    const start = notBefore + (notAfter - notBefore) * share;
    return { start: new Date(start), end: new Date(start + (notAfter - start) / 2), explanationUrl: null };
  }
}
