import type { PKIBodyType } from '../../pki/asn1/cmp/pki-body.js';

/**
 * The operation path segments of RFC 9483 §6.1 (IANA "CMP Well-Known URI Path Segments"), and the body types each
 * one's transaction may carry: a client that names an operation in the URL must send its messages there.
 */
const OPERATIONS = {
  initialization: ['ir', 'certConf', 'pollReq', 'error'],
  certification: ['cr', 'certConf', 'pollReq', 'error'],
  keyupdate: ['kur', 'certConf', 'pollReq', 'error'],
  pkcs10: ['p10cr', 'certConf', 'pollReq', 'error'],
  revocation: ['rr', 'error'],
  getcacerts: ['genm', 'error'],
  getrootupdate: ['genm', 'error'],
  getcertreqtemplate: ['genm', 'error'],
  getcrls: ['genm', 'error'],
} as const satisfies Record<string, readonly PKIBodyType[]>;

export type CmpOperation = keyof typeof OPERATIONS;

export function isCmpOperation(segment: string): segment is CmpOperation {
  return Object.hasOwn(OPERATIONS, segment);
}

export function bodyTypesOf(operation: CmpOperation): readonly PKIBodyType[] {
  return OPERATIONS[operation];
}
