/** RFC 9811 §3.4: requests and responses; `application/pkixcmp-poll` is the RFC 6712-era name some clients send. */
export const CMP_MEDIA_TYPE = 'application/pkixcmp';
export const CMP_MEDIA_TYPES: ReadonlySet<string> = new Set([CMP_MEDIA_TYPE, 'application/pkixcmp-poll']);
