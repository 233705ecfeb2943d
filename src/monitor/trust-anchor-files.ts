import { readFile } from 'node:fs/promises';
import { PkiError } from '../core/pki-error.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import { readPemAll } from '../pki/pem.js';

/** A bundle of anchors is a few hundred kilobytes at most (the Mozilla store is about 200 KiB). */
const MAX_ANCHOR_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads the extra trust anchors (`monitor.extraTrustAnchorFiles`): PEM files of one or more certificates, e.g.
 * a partner's root. Any problem is CONFIG_INVALID naming the file, at start-up rather than at the first probe.
 */
export async function readTrustAnchorFiles(paths: readonly string[]): Promise<ParsedCertificate[]> {
  const anchors: ParsedCertificate[] = [];
  for (const path of paths) {
    let text: string;
    try {
      const bytes = await readFile(path);
      if (bytes.length > MAX_ANCHOR_FILE_BYTES) throw new Error('larger than 4 MiB');
      text = bytes.toString('utf8');
    } catch (error) {
      throw new PkiError('CONFIG_INVALID', `/monitor/extraTrustAnchorFiles: cannot read ${path}`, {
        cause: error,
      });
    }
    try {
      anchors.push(...readPemAll(text, 'CERTIFICATE', path).map((der) => parseCertificate(der)));
    } catch (error) {
      const why = error instanceof PkiError ? error.message : String(error);
      throw new PkiError('CONFIG_INVALID', `/monitor/extraTrustAnchorFiles: ${path}: ${why}`, {
        cause: error,
      });
    }
  }
  return anchors;
}
