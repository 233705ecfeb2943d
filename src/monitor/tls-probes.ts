import type { LookupFunction } from 'node:net';
import type { EndpointProtocol } from '../store/endpoint-registry.js';
import { httpsDialogue } from './https-dialogue.js';
import { imapStarttlsDialogue } from './imap-dialogue.js';
import { mqttDialogue } from './mqtt-dialogue.js';
import { smtpStarttlsDialogue } from './smtp-dialogue.js';
import { ConnectingTlsProbe, type TlsProbe } from './tls-probe.js';

/** One TlsProbe per protocol; the record type makes a new protocol fail to compile until it has one. */
export type TlsProbes = Readonly<Record<EndpointProtocol, TlsProbe>>;

/** `lookup` replaces the system's name resolution (tests). */
export function createTlsProbes(lookup?: LookupFunction): TlsProbes {
  return {
    tls: new ConnectingTlsProbe({}, lookup),
    mqtts: new ConnectingTlsProbe(mqttDialogue, lookup),
    https: new ConnectingTlsProbe(httpsDialogue, lookup),
    'smtp-starttls': new ConnectingTlsProbe(smtpStarttlsDialogue, lookup),
    'imap-starttls': new ConnectingTlsProbe(imapStarttlsDialogue, lookup),
  };
}
