import { isPkiError, PkiError } from '../core/pki-error.js';
import { type CheckedEndpoint, checkEndpointChanges, checkEndpointName } from '../store/endpoint-fields.js';
import type { EndpointChanges, NewEndpoint } from '../store/endpoint-registry.js';
import { jsonPointer } from './invalid-input.js';

/** A valid endpoint to apply one field to: the store's checks judge each field on its own. */
const VALID_ENDPOINT: CheckedEndpoint = {
  name: 'valid',
  host: 'example.com',
  port: 443,
  sni: null,
  protocol: 'tls',
  kind: 'service',
  deviceId: null,
  clientCredential: null,
  labels: {},
  notes: null,
  enabled: true,
};

/**
 * Runs the store's own checks (store/endpoint-fields.ts: the ones `certfleet monitor add` and the CSV import
 * meet) on the fields of a request body one at a time, so a refusal names its field with a JSON pointer
 * (`/host`, `/labels`). The body's names are the store's (NewEndpoint); the store checks the whole again when
 * it writes.
 */
export function checkEndpointBody(body: Partial<NewEndpoint> | EndpointChanges): void {
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined) continue;
    try {
      if (field === 'name') checkEndpointName(value);
      else checkEndpointChanges(VALID_ENDPOINT, { [field]: value });
    } catch (error) {
      if (!isPkiError(error, 'MALFORMED_INPUT')) throw error;
      throw new PkiError('MALFORMED_INPUT', error.message, {
        cause: error,
        details: { in: 'body', pointer: jsonPointer(field) },
      });
    }
  }
}
