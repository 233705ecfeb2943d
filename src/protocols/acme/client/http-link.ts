/** RFC 8288 §3: one link of a `Link` header, its target resolved against the request URL. */
export interface HttpLink {
  readonly url: string;
  readonly rel: string;
}

/**
 * Reads every `Link` header value of a response. ACME servers send several (RFC 8555 §7.1: `index`, `up`,
 * `alternate`, `next`), in separate headers or comma-joined in one; a comma inside `<…>` is part of the URL.
 * Links without a `rel` are dropped; a `rel` with several space-separated types yields one link per type.
 */
export function parseLinkHeaders(values: readonly string[], baseUrl: string): HttpLink[] {
  const links: HttpLink[] = [];
  for (const value of values) {
    for (const match of value.matchAll(/<([^>]*)>([^,<]*)/g)) {
      const target = match[1] ?? '';
      const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? '');
      const types = (rel?.[1] ?? rel?.[2] ?? '').split(/\s+/).filter((type) => type.length > 0);
      let url: string;
      try {
        url = new URL(target, baseUrl).href;
      } catch {
        continue;
      }
      for (const type of types) links.push({ url, rel: type.toLowerCase() });
    }
  }
  return links;
}
