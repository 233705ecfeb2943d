import type { Issuer } from './api-types.js';

export interface IssuerNode {
  readonly issuer: Issuer;
  readonly children: readonly IssuerNode[];
}

/**
 * The CA hierarchy from the flat list of issuers: roots (no parent, or a parent this deployment does not
 * hold) at the top, each issuer under its parent, oldest first at each level (the API's order). A cycle in
 * the data (it should not happen) cannot loop: each issuer is placed once.
 */
export function issuerForest(issuers: readonly Issuer[]): IssuerNode[] {
  const ids = new Set(issuers.map((i) => i.id));
  const childrenOf = new Map<string, Issuer[]>();
  const roots: Issuer[] = [];
  for (const issuer of issuers) {
    if (issuer.parentId === null || issuer.parentId === issuer.id || !ids.has(issuer.parentId)) {
      roots.push(issuer);
    } else {
      const siblings = childrenOf.get(issuer.parentId) ?? [];
      siblings.push(issuer);
      childrenOf.set(issuer.parentId, siblings);
    }
  }
  const placed = new Set<string>();
  const build = (issuer: Issuer): IssuerNode => {
    placed.add(issuer.id);
    const children = (childrenOf.get(issuer.id) ?? []).filter((c) => !placed.has(c.id)).sort(byAge);
    return { issuer, children: children.map(build) };
  };
  const forest = roots.sort(byAge).map(build);
  // Issuers only reachable through a cycle: shown at the top rather than lost.
  for (const issuer of [...issuers].sort(byAge)) if (!placed.has(issuer.id)) forest.push(build(issuer));
  return forest;
}

function byAge(a: Issuer, b: Issuer): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/** How many issuers a forest holds, for the page's summary. */
export function countNodes(nodes: readonly IssuerNode[]): number {
  return nodes.reduce((sum, node) => sum + 1 + countNodes(node.children), 0);
}
