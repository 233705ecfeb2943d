import type { InfoTypeAndValue } from '../../pki/asn1/cmp/info-type-and-value.js';
import type { PKIBody } from '../../pki/asn1/cmp/pki-body.js';
import type { CmpLabel } from './cmp-label.js';
import type { Sender } from './message-protection.js';
import type { ReceivedMessage } from './wire/received-message.js';

/** One request as the handlers see it: checked header and protection, the label, and our nonce for the answer. */
export interface CmpExchange {
  readonly received: ReceivedMessage;
  readonly sender: Sender;
  readonly label: CmpLabel;
  readonly now: Date;
  /** Lower-case hex of the transactionID (the header check guarantees one). */
  readonly transactionId: string;
  /** The senderNonce our answer will carry: the client's next message must echo it as recipNonce. */
  readonly serverNonce: Uint8Array;
}

/** What a handler answers; the responder adds header, protection and its own certificates. */
export interface CmpReply {
  /** The PKIBody, or its DER where the handler wrote it directly (an issued certificate). */
  readonly body: PKIBody | Uint8Array;
  /** Certificates the client needs besides ours (the issuing chain of a new certificate). */
  readonly extraCerts?: readonly Uint8Array[];
  readonly generalInfo?: readonly InfoTypeAndValue[];
}
