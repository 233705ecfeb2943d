import type { ProbeTarget } from './probe-target.js';
import type { StreamReader } from './stream-reader.js';

/**
 * What a protocol adds around the TLS handshake. Plain TLS adds nothing; STARTTLS protocols talk before it,
 * MQTT and HTTPS after it. Each step throws a ProbeFailure when the peer does not play along.
 */
export interface ProtocolDialogue {
  /** The plain-text exchange that leads to TLS; resolves once the server has agreed to start it. */
  readonly startTls?: (reader: StreamReader, target: ProbeTarget) => Promise<void>;
  /** The first exchange over TLS; resolves with what the application answered, e.g. `HTTP 200`. */
  readonly afterHandshake?: (reader: StreamReader, target: ProbeTarget) => Promise<string>;
}
