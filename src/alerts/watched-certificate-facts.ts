import { SECONDS_PER_DAY } from '../core/duration.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { IssuerRegistry } from '../store/issuer-registry.js';
import type { AlertFactSet, AlertFacts, ExpiringSubject } from './alert-facts.js';

/** The profile of the code-signing certificates watched (pki/profiles/builtin-profiles.ts). */
export const CODE_SIGNING_PROFILE = 'code-signing';

/**
 * A certificate expired longer ago than this is no longer watched: its `expired` alert resolves instead of
 * firing forever, and the query stays a short range of the not_after index.
 */
const WATCH_AFTER_EXPIRY_DAYS = 30;
const PAGE = 1000;

/**
 * Our own certificates worth watching by expiry, besides endpoints (which the monitor covers):
 * - every active issuer (CA) certificate, as `issuer:<id>`: a CA that expires takes every certificate below
 *   it along; a retired issuer is not watched;
 * - every issued code-signing certificate not superseded by a renewal, as `certificate:<issuer>:<serial>`; a
 *   renewal marks the old one superseded, and its state resolves.
 * Only notAfter is known of them: the chain, name and reachability rules do not apply.
 */
export class WatchedCertificateFacts implements AlertFacts {
  constructor(
    private readonly certificates: Pick<CertificateReader, 'list'>,
    private readonly issuers: Pick<IssuerRegistry, 'list'>,
  ) {}

  async collect(now: Date): Promise<AlertFactSet> {
    const subjects: ExpiringSubject[] = [];
    for (const issuer of await this.issuers.list()) {
      if (issuer.status !== 'active') continue;
      subjects.push({
        subjectKey: `issuer:${issuer.id}`,
        label: `issuer ${issuer.id} (${issuer.subject})`,
        kind: 'certificate',
        notAfter: issuer.notAfter,
      });
    }
    const from = new Date(now.getTime() - WATCH_AFTER_EXPIRY_DAYS * SECONDS_PER_DAY * 1000);
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.certificates.list({
        profile: CODE_SIGNING_PROFILE,
        status: 'issued',
        notAfterFrom: from,
        limit: PAGE,
        offset,
      });
      for (const certificate of page) {
        if (certificate.supersededBy !== null) continue;
        subjects.push({
          subjectKey: `certificate:${certificate.issuerId}:${certificate.serial}`,
          label: `code-signing ${certificate.subject || certificate.serial} (serial ${certificate.serial})`,
          kind: 'certificate',
          notAfter: certificate.notAfter,
        });
      }
      if (page.length < PAGE) break;
    }
    return { subjects };
  }
}
