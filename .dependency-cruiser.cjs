/**
 * The module import table of ../shared/ARCHITECTURE.md, enforced. Each src/<module> may import only the
 * modules listed for it; everything else under src/ is forbidden. Keep this file and the table in step.
 */
const allowed = {
  core: [],
  pki: ['core'],
  keys: ['core', 'pki'],
  store: ['core'],
  ca: ['core', 'pki', 'keys', 'store'],
  ra: ['core', 'pki', 'ca', 'store'],
  protocols: ['core', 'pki', 'ra', 'store'],
  revocation: ['core', 'pki', 'ca', 'store'],
  fleet: ['core', 'pki', 'store'],
  monitor: ['core', 'pki', 'store'],
  alerts: ['core', 'pki', 'store', 'fleet', 'monitor'],
  api: ['core', 'pki', 'store', 'ca', 'ra', 'revocation', 'fleet', 'monitor', 'alerts', 'protocols'],
  agent: ['core', 'pki', 'keys', 'protocols'],
  // The fleet simulator is a harness, not part of the server: it starts one, drives real agents against it
  // and reads the fleet view from its store.
  simulator: ['core', 'pki', 'agent', 'protocols', 'store', 'fleet', 'server'],
  server: null, // composition root: may import everything
  cli: null,
};
const modules = Object.keys(allowed);

const forbidden = modules
  .filter((from) => allowed[from] !== null)
  .map((from) => {
    const others = modules.filter((to) => to !== from && !allowed[from].includes(to));
    return {
      name: `${from}-imports`,
      comment: `src/${from} may import only: ${allowed[from].join(', ') || 'nothing'} (ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: `^src/${from}/` },
      to: { path: `^src/(${others.join('|')})/` },
    };
  });

forbidden.push(
  {
    name: 'agent-only-protocol-wire-and-clients',
    comment: 'The agent ships to devices: from protocols it may use only wire codecs and clients.',
    severity: 'error',
    from: { path: '^src/agent/' },
    to: { path: '^src/protocols/[^/]+/', pathNot: '^src/protocols/[^/]+/(wire|client)/' },
  },
  {
    name: 'pki-is-pure',
    comment: 'src/pki holds no I/O.',
    severity: 'error',
    from: { path: '^src/pki/' },
    to: {
      path: '^(node:)?(fs|fs/promises|net|http|https|tls|child_process|dgram)$',
      dependencyTypes: ['core'],
    },
  },
  {
    name: 'no-circular',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
