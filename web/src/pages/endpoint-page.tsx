import { useState } from 'preact/hooks';
import { apiPath, segment } from '../api-path.js';
import type { Endpoint, EndpointWithLatest, Observation, ObservationDetail, Page } from '../api-types.js';
import { summarizePem } from '../certificate-summary.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { Section } from '../components/section.js';
import { Verdict } from '../components/state-badge.js';
import { TableScroll } from '../components/table-scroll.js';
import { TimeText } from '../components/time-text.js';
import { daysLeftClass, hostPort } from '../format.js';
import { deviceHash } from '../hash-route.js';
import { formatLabels } from '../labels-text.js';
import { useIsAdmin, useOperator } from '../operator-context.js';
import { useAction } from '../use-action.js';
import { usePolling } from '../use-polling.js';
import { navigate } from '../use-route.js';

const HISTORY_PER_PAGE = 20;

/** One monitored endpoint: what it is, what its last probe saw with the chain it presented, and its history. */
export function EndpointPage({ name }: { name: string }) {
  const { api } = useOperator();
  const isAdmin = useIsAdmin();
  const path = `/endpoints/${segment(name)}`;
  const endpoint = usePolling((signal) => api.get<EndpointWithLatest>(path, signal), [api, path]);
  const latestId = endpoint.data?.latestObservation?.id;
  const chain = usePolling<ObservationDetail | undefined>(
    (signal) =>
      latestId === undefined
        ? Promise.resolve(undefined)
        : api.get<ObservationDetail>(`/observations/${latestId}`, signal),
    [api, latestId],
  );
  const historyPages = useCursorPages(path);
  const history = usePolling(
    (signal) =>
      api.get<Page<Observation>>(
        apiPath(`${path}/observations`, { limit: HISTORY_PER_PAGE, cursor: historyPages.cursor }),
        signal,
      ),
    [api, path, historyPages.cursor],
  );
  const [notice, setNotice] = useState('');
  const refresh = (message: string) => {
    setNotice(message);
    endpoint.reload();
    history.reload();
  };
  const current = endpoint.data;
  const latest = current?.latestObservation ?? null;

  return (
    <>
      <p class="breadcrumb">
        <a href="#/endpoints">Endpoints</a> /
      </p>
      <PageHeading title={name} />
      {endpoint.errorStatus === 404 ? (
        <p class="message error" role="alert">
          No endpoint is named {name}.
        </p>
      ) : null}
      <p class="message info" role="status">
        {notice}
      </p>
      {current === undefined && endpoint.errorStatus !== 404 ? <LoadStatus polled={endpoint} /> : null}
      {current === undefined ? null : (
        <>
          <EndpointFacts endpoint={current} />
          <LoadStatus polled={endpoint} />
          {isAdmin ? <EndpointActions endpoint={current} onChanged={refresh} /> : null}
          <Section title="Last observation">
            {latest === null ? <p>Not probed yet.</p> : <ObservationFacts observation={latest} />}
          </Section>
          <Section title="Presented chain">
            {latest === null ? (
              <p>Not probed yet.</p>
            ) : chain.data === undefined ? (
              <LoadStatus polled={chain} />
            ) : chain.data.chainPem.length === 0 ? (
              <p>The endpoint presented no certificate.</p>
            ) : (
              <ol class="chain">
                {chain.data.chainPem.map((pem, index) => (
                  <ChainEntry key={index} pem={pem} position={index} />
                ))}
              </ol>
            )}
          </Section>
        </>
      )}
      <Section title="History">
        {history.data === undefined ? null : history.data.items.length === 0 && !historyPages.hasPrevious ? (
          <p>No observation yet.</p>
        ) : (
          <TableScroll label="Observation history">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="number">
                    Days left
                  </th>
                  <th scope="col">TLS</th>
                  <th scope="col">Chain</th>
                  <th scope="col">Name matches</th>
                  <th scope="col" class="number">
                    Duration
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((o) => (
                  <tr key={o.id}>
                    <th scope="row">
                      <TimeText iso={o.observedAt} />
                    </th>
                    <td>
                      <span class={o.outcome === 'ok' ? 'badge verdict-good' : 'badge verdict-bad'}>
                        {o.outcome}
                      </span>
                      {o.errorMessage === null ? null : <span class="muted"> {o.errorMessage}</span>}
                    </td>
                    <td class={daysLeftClass(o.daysLeft)}>{o.daysLeft ?? '—'}</td>
                    <td>{o.tlsVersion ?? '—'}</td>
                    <td>
                      <Verdict value={o.chainValid} />
                    </td>
                    <td>
                      <Verdict value={o.hostnameMatches} yes="yes" no="no" />
                    </td>
                    <td class="number">{o.durationMs} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        <Pager pages={historyPages} next={history.data?.next} label="Observation pages" />
        {endpoint.errorStatus === 404 ? null : <LoadStatus polled={history} />}
      </Section>
    </>
  );
}

function EndpointFacts({ endpoint }: { endpoint: Endpoint }) {
  return (
    <dl class="facts">
      <dt>Address</dt>
      <dd>{hostPort(endpoint.host, endpoint.port)}</dd>
      <dt>Protocol</dt>
      <dd>{endpoint.protocol}</dd>
      <dt>Server name sent</dt>
      <dd>{endpoint.sni ?? endpoint.host}</dd>
      <dt>Kind</dt>
      <dd>
        {endpoint.kind}
        {endpoint.deviceId === null ? null : (
          <>
            {' '}
            of <a href={deviceHash(endpoint.deviceId)}>{endpoint.deviceId}</a>
          </>
        )}
      </dd>
      <dt>Probed</dt>
      <dd>{endpoint.enabled ? 'yes' : 'no (disabled)'}</dd>
      <dt>Labels</dt>
      <dd>{Object.keys(endpoint.labels).length === 0 ? '—' : formatLabels(endpoint.labels)}</dd>
      <dt>Failures in a row</dt>
      <dd>{endpoint.consecutiveFailures}</dd>
      <dt>Last probe</dt>
      <dd>
        <TimeText iso={endpoint.lastProbedAt} />
      </dd>
      {endpoint.notes === null ? null : (
        <>
          <dt>Notes</dt>
          <dd class="wrap">{endpoint.notes}</dd>
        </>
      )}
    </dl>
  );
}

function ObservationFacts({ observation: o }: { observation: Observation }) {
  return (
    <dl class="facts">
      <dt>Observed</dt>
      <dd>
        <TimeText iso={o.observedAt} /> in {o.durationMs} ms
      </dd>
      <dt>Outcome</dt>
      <dd>
        <span class={o.outcome === 'ok' ? 'badge verdict-good' : 'badge verdict-bad'}>{o.outcome}</span>
        {o.errorMessage === null ? null : ` ${o.errorMessage}`}
      </dd>
      <dt>TLS</dt>
      <dd>
        {o.tlsVersion ?? '—'}
        {o.protocolResult === null ? null : `; ${o.protocolResult}`}
      </dd>
      <dt>Days left</dt>
      <dd>
        <span class={daysLeftClass(o.daysLeft)}>{o.daysLeft ?? '—'}</span>
      </dd>
      {o.leaf === null ? null : (
        <>
          <dt>Subject</dt>
          <dd class="wrap">{o.leaf.subject}</dd>
          <dt>Names</dt>
          <dd class="wrap">{o.leaf.sans.length === 0 ? '—' : o.leaf.sans.join(', ')}</dd>
          <dt>Issuer</dt>
          <dd class="wrap">{o.leaf.issuer}</dd>
          <dt>Valid</dt>
          <dd>
            <TimeText iso={o.leaf.notBefore} dateOnly /> to <TimeText iso={o.leaf.notAfter} />
          </dd>
          <dt>Key</dt>
          <dd>{o.leaf.keyAlgorithm}</dd>
          <dt>Serial</dt>
          <dd>
            <code>{o.leaf.serial}</code>
          </dd>
          <dt>SHA-256 fingerprint</dt>
          <dd>
            <code class="wrap">{o.leaf.fingerprintSha256}</code>
          </dd>
        </>
      )}
      <dt>Chain (our issuers)</dt>
      <dd>
        <Verdict value={o.chainValid} />
        {o.chainError === null ? null : ` ${o.chainError}`}
      </dd>
      <dt>Chain (system roots)</dt>
      <dd>
        <Verdict value={o.chainValidSystem} />
        {o.chainSystemError === null ? null : ` ${o.chainSystemError}`}
      </dd>
      <dt>Name matches</dt>
      <dd>
        <Verdict value={o.hostnameMatches} yes="yes" no="no" />
      </dd>
      <dt>Our certificate</dt>
      <dd>
        {o.linked === null ? (
          'not one we issued'
        ) : (
          <>
            <code>{o.linked.serial}</code> from {o.linked.issuerId}
            {o.linked.deviceId === null ? null : (
              <>
                {' '}
                for <a href={deviceHash(o.linked.deviceId)}>{o.linked.deviceId}</a>
              </>
            )}
          </>
        )}
      </dd>
    </dl>
  );
}

function ChainEntry({ pem, position }: { pem: string; position: number }) {
  const summary = summarizePem(pem);
  const role = position === 0 ? 'Leaf' : summary?.selfIssued === true ? 'Root' : 'Intermediate';
  return (
    <li>
      <h3>
        {position + 1}. {role}
      </h3>
      {summary === undefined ? (
        <p class="muted">This certificate could not be read here; its PEM is below.</p>
      ) : (
        <dl class="facts">
          <dt>Subject</dt>
          <dd class="wrap">{summary.subject}</dd>
          <dt>Issuer</dt>
          <dd class="wrap">{summary.issuer}</dd>
          <dt>Valid</dt>
          <dd>
            <TimeText iso={summary.notBefore} dateOnly /> to <TimeText iso={summary.notAfter} />
          </dd>
          <dt>Key</dt>
          <dd>{summary.keyAlgorithm}</dd>
          <dt>Serial</dt>
          <dd>
            <code class="wrap">{summary.serialHex}</code>
          </dd>
        </dl>
      )}
      <details>
        <summary>PEM</summary>
        <pre class="pem">{pem}</pre>
      </details>
    </li>
  );
}

function EndpointActions({
  endpoint,
  onChanged,
}: {
  endpoint: Endpoint;
  onChanged: (message: string) => void;
}) {
  const { api } = useOperator();
  const probe = useAction();
  const toggle = useAction();
  const remove = useAction();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const path = `/endpoints/${segment(endpoint.name)}`;
  const error = probe.error ?? toggle.error;

  return (
    <Section title="Actions">
      <div class="actions">
        <button
          type="button"
          aria-disabled={probe.busy}
          onClick={() => {
            if (probe.busy) return;
            void probe
              .run(() => api.post<ObservationDetail>(`${path}/probe`))
              .then((o) => {
                if (o !== undefined)
                  onChanged(`Probed: ${o.outcome}${o.daysLeft === null ? '' : `, ${o.daysLeft} days left`}.`);
              });
          }}
        >
          {probe.busy ? 'Probing…' : 'Probe now'}
        </button>
        <button
          type="button"
          aria-disabled={toggle.busy}
          onClick={() => {
            if (toggle.busy) return;
            void toggle
              .run(() => api.patch<Endpoint>(path, { enabled: !endpoint.enabled }))
              .then((e) => {
                if (e !== undefined)
                  onChanged(e.enabled ? 'Enabled: it is probed again.' : 'Disabled: it is kept, not probed.');
              });
          }}
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" class="danger" onClick={() => setConfirmRemove(true)}>
          Remove
        </button>
      </div>
      {error === undefined ? null : (
        <p class="message error" role="alert">
          {error}
        </p>
      )}
      <ConfirmDialog
        open={confirmRemove}
        title={`Remove ${endpoint.name}?`}
        busy={remove.busy}
        error={remove.error}
        danger
        onCancel={() => {
          remove.reset();
          setConfirmRemove(false);
        }}
        onConfirm={() => {
          void remove
            .run(() => api.delete(path).then(() => true))
            .then((done) => {
              if (done === true) {
                setConfirmRemove(false);
                navigate({ page: 'endpoints' });
              }
            });
        }}
      >
        <p>The endpoint and all its observations are removed; the monitor stops probing it.</p>
      </ConfirmDialog>
    </Section>
  );
}
