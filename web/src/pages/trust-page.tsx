import { apiPath } from '../api-path.js';
import type { Issuer, Page } from '../api-types.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Section } from '../components/section.js';
import { TimeText } from '../components/time-text.js';
import { formatCount, plural } from '../format.js';
import { countNodes, type IssuerNode, issuerForest } from '../issuer-tree.js';
import { useOperator } from '../operator-context.js';
import { usePolling } from '../use-polling.js';

/** A deployment has a handful of issuers; the API's largest page holds them all. */
const ISSUERS_SHOWN = 500;

/**
 * The CA hierarchy as nested lists (roots, then what each signed): a plain structure every screen reader
 * walks, without the keyboard model a `role="tree"` would promise.
 */
export function TrustPage() {
  const { api } = useOperator();
  const issuers = usePolling(
    (signal) => api.get<Page<Issuer>>(apiPath('/issuers', { limit: ISSUERS_SHOWN }), signal),
    [api],
  );
  const forest = issuers.data === undefined ? undefined : issuerForest(issuers.data.items);
  return (
    <>
      <PageHeading title="Trust" />
      <Section title="CA hierarchy" className="wide">
        {forest === undefined ? null : forest.length === 0 ? (
          <p>
            No issuer yet: run the root ceremony (<code>certfleet ca init</code>).
          </p>
        ) : (
          <>
            <p class="muted">
              {plural(countNodes(forest), 'issuer')}, {plural(forest.length, 'root')}. Dependents are the
              certificates each issued that are neither revoked nor expired (counted at most once a minute).
            </p>
            <IssuerList nodes={forest} label="CA hierarchy" />
          </>
        )}
        <LoadStatus polled={issuers} />
      </Section>
    </>
  );
}

function IssuerList({ nodes, label }: { nodes: readonly IssuerNode[]; label?: string }) {
  return (
    <ul class="issuer-tree" aria-label={label}>
      {nodes.map((node) => (
        <li key={node.issuer.id} data-issuer-id={node.issuer.id}>
          <IssuerCard issuer={node.issuer} />
          {node.children.length === 0 ? null : (
            <IssuerList nodes={node.children} label={`Issued by ${node.issuer.id}`} />
          )}
        </li>
      ))}
    </ul>
  );
}

function IssuerCard({ issuer }: { issuer: Issuer }) {
  return (
    <div class={`issuer-card status-${issuer.status}`}>
      <p class="issuer-title">
        <strong>{issuer.id}</strong> <span class="badge">{issuer.role}</span>{' '}
        <span class={issuer.status === 'active' ? 'badge verdict-good' : 'badge muted-badge'}>
          {issuer.status}
        </span>{' '}
        <span class="badge muted-badge">{issuer.online ? 'key online' : 'key offline'}</span>
      </p>
      <dl class="facts compact">
        <dt>Subject</dt>
        <dd class="wrap">{issuer.subject}</dd>
        <dt>Algorithm</dt>
        <dd>{issuer.keyAlgorithm}</dd>
        <dt>Expires</dt>
        <dd>
          <TimeText iso={issuer.notAfter} dateOnly />
        </dd>
        <dt>Dependents</dt>
        <dd>
          {issuer.dependents === undefined
            ? '—'
            : `${formatCount(issuer.dependents.certificates)} certificates, ${plural(issuer.dependents.issuers, 'issuer')}`}
        </dd>
      </dl>
    </div>
  );
}
