import { isIPv4, isIPv6 } from 'node:net';
import type { Config } from '../config-schema.js';

export interface MetricsConfigProblem {
  /** JSON path of the setting, e.g. `/metrics/bearerTokenSource`. */
  readonly path: string;
  readonly message: string;
}

/**
 * What the schema cannot state about `metrics`: a listener on anything but loopback must require a bearer
 * token, since the metrics name the deployment's issuers, certificates and endpoints.
 */
export function metricsConfigProblems(metrics: Config['metrics']): MetricsConfigProblem[] {
  if (!metrics.enabled || metrics.bearerTokenSource !== undefined || isLoopbackHost(metrics.host)) return [];
  return [
    {
      path: '/metrics/bearerTokenSource',
      message:
        `required when metrics.host (${metrics.host}) is not a loopback address: set a secret reference ` +
        `(env:NAME or file:/path) to the token Prometheus sends, or listen on 127.0.0.1`,
    },
  ];
}

/**
 * Whether `host` names this machine's loopback interface only: `localhost`, 127.0.0.0/8, `::1` (with or without
 * brackets) or an IPv4-mapped 127.x address. Anything else, `0.0.0.0` and `::` included, is reachable from
 * elsewhere.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIPv4(bare)) return bare.split('.')[0] === '127';
  if (!isIPv6(bare)) return false;
  // The URL parser writes IPv6 addresses in one canonical form: `::1`, and `::ffff:7f00:1` for ::ffff:127.0.0.1.
  let canonical: string;
  try {
    canonical = new URL(`http://[${bare}]/`).hostname;
  } catch {
    return false; // a zone index (fe80::1%eth0): a link-local address, not loopback
  }
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}
