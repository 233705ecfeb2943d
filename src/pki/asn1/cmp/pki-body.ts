import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { PkiError } from '../../../core/pki-error.js';
import { CertReqMessages } from '../crmf/cert-req-messages.js';
import { RawAnyConverter } from '../crmf/raw-any-converter.js';
import { CertConfirmContent } from './cert-confirm-content.js';
import { CertRepMessage } from './cert-rep-message.js';
import { ErrorMsgContent } from './error-msg-content.js';
import { GenMsgContent } from './gen-msg-content.js';
import { GenRepContent } from './gen-rep-content.js';
import { PKIMessages } from './pki-messages.js';
import { PollRepContent } from './poll-rep-content.js';
import { PollReqContent } from './poll-req-content.js';
import { RevRepContent } from './rev-rep-content.js';
import { RevReqContent } from './rev-req-content.js';

/**
 * RFC 9810 §5.1.2, the message-specific content; the tag says which message this is. The module is EXPLICIT
 * TAGS, so each `[n]` wraps the whole content. Bodies we never serve (POP challenge, key recovery,
 * announcements) are kept as their DER bytes; `pkiconf` is `null` when chosen.
 *
 * ```asn1
 * PKIBody ::= CHOICE {
 *   ir       [0]  CertReqMessages,         -- Initialization Request
 *   ip       [1]  CertRepMessage,          -- Initialization Response
 *   cr       [2]  CertReqMessages,         -- Certification Request
 *   cp       [3]  CertRepMessage,          -- Certification Response
 *   p10cr    [4]  CertificationRequest,    -- imported from [RFC2986]
 *   popdecc  [5]  POPODecKeyChallContent,  -- pop Challenge
 *   popdecr  [6]  POPODecKeyRespContent,   -- pop Response
 *   kur      [7]  CertReqMessages,         -- Key Update Request
 *   kup      [8]  CertRepMessage,          -- Key Update Response
 *   krr      [9]  CertReqMessages,         -- Key Recovery Request
 *   krp      [10] KeyRecRepContent,        -- Key Recovery Response
 *   rr       [11] RevReqContent,           -- Revocation Request
 *   rp       [12] RevRepContent,           -- Revocation Response
 *   ccr      [13] CertReqMessages,         -- Cross-Cert. Request
 *   ccp      [14] CertRepMessage,          -- Cross-Cert. Response
 *   ckuann   [15] CAKeyUpdAnnContent,      -- CA Key Update Ann.
 *   cann     [16] CertAnnContent,          -- Certificate Ann.
 *   rann     [17] RevAnnContent,           -- Revocation Ann.
 *   crlann   [18] CRLAnnContent,           -- CRL Announcement
 *   pkiconf  [19] PKIConfirmContent,       -- Confirmation (NULL)
 *   nested   [20] NestedMessageContent,    -- Nested Message (PKIMessages)
 *   genm     [21] GenMsgContent,           -- General Message
 *   genp     [22] GenRepContent,           -- General Response
 *   error    [23] ErrorMsgContent,         -- Error Message
 *   certConf [24] CertConfirmContent,      -- Certificate Confirm
 *   pollReq  [25] PollReqContent,          -- Polling Request
 *   pollRep  [26] PollRepContent }         -- Polling Response
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class PKIBody {
  @AsnProp({ type: CertReqMessages, context: 0 })
  ir?: CertReqMessages;

  @AsnProp({ type: CertRepMessage, context: 1 })
  ip?: CertRepMessage;

  @AsnProp({ type: CertReqMessages, context: 2 })
  cr?: CertReqMessages;

  @AsnProp({ type: CertRepMessage, context: 3 })
  cp?: CertRepMessage;

  @AsnProp({ type: CertificationRequest, context: 4 })
  p10cr?: CertificationRequest;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 5 })
  popdecc?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 6 })
  popdecr?: ArrayBuffer;

  @AsnProp({ type: CertReqMessages, context: 7 })
  kur?: CertReqMessages;

  @AsnProp({ type: CertRepMessage, context: 8 })
  kup?: CertRepMessage;

  @AsnProp({ type: CertReqMessages, context: 9 })
  krr?: CertReqMessages;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 10 })
  krp?: ArrayBuffer;

  @AsnProp({ type: RevReqContent, context: 11 })
  rr?: RevReqContent;

  @AsnProp({ type: RevRepContent, context: 12 })
  rp?: RevRepContent;

  @AsnProp({ type: CertReqMessages, context: 13 })
  ccr?: CertReqMessages;

  @AsnProp({ type: CertRepMessage, context: 14 })
  ccp?: CertRepMessage;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 15 })
  ckuann?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 16 })
  cann?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 17 })
  rann?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 18 })
  crlann?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Null, context: 19 })
  pkiconf?: null;

  @AsnProp({ type: PKIMessages, context: 20 })
  nested?: PKIMessages;

  @AsnProp({ type: GenMsgContent, context: 21 })
  genm?: GenMsgContent;

  @AsnProp({ type: GenRepContent, context: 22 })
  genp?: GenRepContent;

  @AsnProp({ type: ErrorMsgContent, context: 23 })
  error?: ErrorMsgContent;

  @AsnProp({ type: CertConfirmContent, context: 24 })
  certConf?: CertConfirmContent;

  @AsnProp({ type: PollReqContent, context: 25 })
  pollReq?: PollReqContent;

  @AsnProp({ type: PollRepContent, context: 26 })
  pollRep?: PollRepContent;

  constructor(params: Partial<PKIBody> = {}) {
    Object.assign(this, params);
  }
}

/** RFC 9810 §5.1.2, each body's name and its context tag. */
export const PKI_BODY_TAGS = {
  ir: 0,
  ip: 1,
  cr: 2,
  cp: 3,
  p10cr: 4,
  popdecc: 5,
  popdecr: 6,
  kur: 7,
  kup: 8,
  krr: 9,
  krp: 10,
  rr: 11,
  rp: 12,
  ccr: 13,
  ccp: 14,
  ckuann: 15,
  cann: 16,
  rann: 17,
  crlann: 18,
  pkiconf: 19,
  nested: 20,
  genm: 21,
  genp: 22,
  error: 23,
  certConf: 24,
  pollReq: 25,
  pollRep: 26,
} as const satisfies Record<keyof PKIBody, number>;

export type PKIBodyType = keyof typeof PKI_BODY_TAGS;

const BODY_TYPES = Object.keys(PKI_BODY_TAGS) as PKIBodyType[];

/** Which alternative a body holds (the first set, as the encoder would write it). */
export function pkiBodyType(body: PKIBody): PKIBodyType {
  const type = BODY_TYPES.find((name) => body[name] !== undefined);
  if (type === undefined) throw new PkiError('MALFORMED_INPUT', 'PKIBody: no alternative is set');
  return type;
}
