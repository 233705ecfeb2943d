import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiPath } from '../api-path.js';
import {
  ENDPOINT_KINDS,
  ENDPOINT_PROTOCOLS,
  type Endpoint,
  type EndpointKind,
  type EndpointProtocol,
  type ImportReport,
  type LatestObservation,
  type Page,
} from '../api-types.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { Section } from '../components/section.js';
import { Verdict } from '../components/state-badge.js';
import { TableScroll } from '../components/table-scroll.js';
import { TimeText } from '../components/time-text.js';
import { daysLeftClass, hostPort, plural } from '../format.js';
import { endpointHash } from '../hash-route.js';
import { parseLabels } from '../labels-text.js';
import { useIsAdmin, useOperator } from '../operator-context.js';
import { fieldErrors } from '../problem-message.js';
import { useAction } from '../use-action.js';
import { usePolling } from '../use-polling.js';

const ENDPOINTS_PER_PAGE = 50;
/** The API takes files up to 1 MiB (docs/api.md); a larger one is refused before it is sent. */
const MAX_IMPORT_BYTES = 1024 * 1024;

/** The TLS endpoints the monitor probes, each with what its last probe saw; admins add and import them. */
export function EndpointsPage() {
  const { api } = useOperator();
  const isAdmin = useIsAdmin();
  const pages = useCursorPages('endpoints');
  const latest = usePolling(
    (signal) =>
      api.get<Page<LatestObservation>>(
        apiPath('/observations/latest', { limit: ENDPOINTS_PER_PAGE, cursor: pages.cursor }),
        signal,
      ),
    [api, pages.cursor],
  );
  const items = latest.data?.items;

  return (
    <>
      <PageHeading title="Endpoints" />
      <Section title="Monitored endpoints" className="wide">
        {items === undefined ? null : items.length === 0 && !pages.hasPrevious ? (
          <p>No endpoint is monitored yet.</p>
        ) : (
          <TableScroll label="Monitored endpoints">
            <table aria-busy={latest.loading}>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Address</th>
                  <th scope="col">Protocol</th>
                  <th scope="col">Last observation</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="number">
                    Days left
                  </th>
                  <th scope="col">Chain</th>
                  <th scope="col" class="number">
                    Failures in a row
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map(({ endpoint, observation }) => (
                  <tr key={endpoint.id} data-endpoint={endpoint.name}>
                    <th scope="row">
                      <a href={endpointHash(endpoint.name)}>{endpoint.name}</a>
                      {endpoint.enabled ? null : <span class="badge muted-badge">disabled</span>}
                    </th>
                    <td>{hostPort(endpoint.host, endpoint.port)}</td>
                    <td>
                      {endpoint.protocol}
                      {endpoint.kind === 'device' ? <span class="muted"> (device)</span> : null}
                    </td>
                    <td>
                      {observation === null ? (
                        <span class="muted">not probed yet</span>
                      ) : (
                        <TimeText iso={observation.observedAt} />
                      )}
                    </td>
                    <td>
                      {observation === null ? (
                        '—'
                      ) : (
                        <span
                          class={observation.outcome === 'ok' ? 'badge verdict-good' : 'badge verdict-bad'}
                        >
                          {observation.outcome}
                        </span>
                      )}
                    </td>
                    <td class={daysLeftClass(observation?.daysLeft ?? null)}>
                      {observation?.daysLeft ?? '—'}
                    </td>
                    <td>
                      <Verdict value={observation?.chainValid ?? null} />
                    </td>
                    <td class="number">{endpoint.consecutiveFailures}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        <Pager pages={pages} next={latest.data?.next} label="Endpoint pages" />
        <LoadStatus polled={latest} />
      </Section>
      {isAdmin ? (
        <div class="grid">
          <AddEndpoint onAdded={latest.reload} />
          <ImportEndpoints onImported={latest.reload} />
        </div>
      ) : null}
    </>
  );
}

interface EndpointDraft {
  name: string;
  host: string;
  port: string;
  protocol: EndpointProtocol;
  kind: EndpointKind;
  sni: string;
  deviceId: string;
  labels: string;
  enabled: boolean;
}

type TextKey = 'name' | 'host' | 'port' | 'sni' | 'deviceId' | 'labels';

/** What a form field's input needs from the field: its id, and its error's id when there is one. */
interface InputProps {
  readonly id: string;
  readonly describedBy: string | undefined;
  readonly invalid: true | undefined;
}

const EMPTY_DRAFT: EndpointDraft = {
  name: '',
  host: '',
  port: '443',
  protocol: 'tls',
  kind: 'service',
  sni: '',
  deviceId: '',
  labels: '',
  enabled: true,
};

function AddEndpoint({ onAdded }: { onAdded: () => void }) {
  const { api } = useOperator();
  const action = useAction();
  const [draft, setDraft] = useState<EndpointDraft>(EMPTY_DRAFT);
  const [localErrors, setLocalErrors] = useState<ReadonlyMap<string, string>>(new Map());
  const [added, setAdded] = useState<string | undefined>(undefined);
  const errors = new Map([...fieldErrors(action.problem), ...localErrors]);
  const set = (changes: Partial<EndpointDraft>) => setDraft((d) => ({ ...d, ...changes }));

  const submit = async () => {
    const problems = new Map<string, string>();
    if (draft.name.trim() === '') problems.set('/name', 'Give the endpoint a name.');
    if (draft.host.trim() === '') problems.set('/host', 'Give a DNS name or an IP address.');
    const port = Number(draft.port);
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      problems.set('/port', 'A port from 1 to 65535.');
    const labels = parseLabels(draft.labels);
    if (!labels.ok) problems.set('/labels', labels.error);
    setLocalErrors(problems);
    setAdded(undefined);
    if (problems.size > 0 || !labels.ok) return;
    const body = {
      name: draft.name.trim(),
      host: draft.host.trim(),
      port,
      protocol: draft.protocol,
      kind: draft.kind,
      enabled: draft.enabled,
      labels: labels.labels,
      ...(draft.sni.trim() === '' ? {} : { sni: draft.sni.trim() }),
      ...(draft.deviceId.trim() === '' ? {} : { deviceId: draft.deviceId.trim() }),
    };
    const endpoint = await action.run(() => api.post<Endpoint>('/endpoints', body));
    if (endpoint !== undefined) {
      setDraft(EMPTY_DRAFT);
      setAdded(endpoint.name);
      onAdded();
    }
  };

  const setText = (key: TextKey, value: string) =>
    setDraft((d) => {
      const next = { ...d };
      next[key] = value;
      return next;
    });
  const field = (key: keyof EndpointDraft, label: string, input: (props: InputProps) => JSX.Element) => {
    const id = `endpoint-${key}`;
    const error = errors.get(`/${key}`);
    return (
      <div class="field">
        <label for={id}>{label}</label>
        {input({
          id,
          describedBy: error === undefined ? undefined : `${id}-error`,
          invalid: error === undefined ? undefined : true,
        })}
        {error === undefined ? null : (
          <p id={`${id}-error`} class="field-error">
            {error}
          </p>
        )}
      </div>
    );
  };
  const text =
    (key: TextKey, numeric = false) =>
    (props: InputProps) => (
      <input
        id={props.id}
        type="text"
        inputMode={numeric ? 'numeric' : undefined}
        value={draft[key]}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid}
        onInput={(event) => setText(key, event.currentTarget.value)}
      />
    );

  return (
    <Section title="Add an endpoint">
      <form
        class="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!action.busy) void submit();
        }}
      >
        {field('name', 'Name', text('name'))}
        {field('host', 'Host', text('host'))}
        {field('port', 'Port', text('port', true))}
        {field('protocol', 'Protocol', (p) => (
          <select
            id={p.id}
            value={draft.protocol}
            aria-describedby={p.describedBy}
            onChange={(event) => set({ protocol: event.currentTarget.value as EndpointProtocol })}
          >
            {ENDPOINT_PROTOCOLS.map((protocol) => (
              <option key={protocol} value={protocol}>
                {protocol}
              </option>
            ))}
          </select>
        ))}
        {field('kind', 'Kind', (p) => (
          <select
            id={p.id}
            value={draft.kind}
            aria-describedby={p.describedBy}
            onChange={(event) => set({ kind: event.currentTarget.value as EndpointKind })}
          >
            {ENDPOINT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        ))}
        {field('sni', 'SNI (optional; default: the host)', text('sni'))}
        {field('deviceId', 'Device id (optional)', text('deviceId'))}
        {field('labels', 'Labels (optional, e.g. site=fra, env=prod)', text('labels'))}
        <div class="field checkbox">
          <input
            id="endpoint-enabled"
            type="checkbox"
            checked={draft.enabled}
            onChange={(event) => set({ enabled: event.currentTarget.checked })}
          />
          <label for="endpoint-enabled">Probe it (enabled)</label>
        </div>
        {action.error === undefined ? null : (
          <p class="message error" role="alert">
            {action.error}
          </p>
        )}
        <p role="status" class="message info">
          {added === undefined ? '' : `Endpoint ${added} added; the next probe round includes it.`}
        </p>
        <button type="submit" class="primary" aria-disabled={action.busy}>
          Add endpoint
        </button>
      </form>
    </Section>
  );
}

function ImportEndpoints({ onImported }: { onImported: () => void }) {
  const { api } = useOperator();
  const action = useAction();
  const [file, setFile] = useState<File | undefined>(undefined);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  const [report, setReport] = useState<ImportReport | undefined>(undefined);

  const submit = async () => {
    setReport(undefined);
    if (file === undefined) {
      setFileError('Choose a CSV file.');
      return;
    }
    if (file.size > MAX_IMPORT_BYTES) {
      setFileError('The file is larger than 1 MiB: split it and import the parts.');
      return;
    }
    setFileError(undefined);
    const answer = await action.run(async () =>
      api.postCsv<ImportReport>('/endpoints/import', await file.text()),
    );
    if (answer !== undefined) {
      setReport(answer);
      onImported();
    }
  };

  return (
    <Section title="Import from CSV">
      <form
        class="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!action.busy) void submit();
        }}
      >
        <p class="hint" id="import-hint">
          The file of <code>certfleet monitor import</code>: a header{' '}
          <code>name,host,port,sni,protocol,kind,device_id</code> (sni, kind and device_id may be left out),
          UTF-8, up to 1 MiB. Good rows are imported even when others are refused.
        </p>
        <div class="field">
          <label for="import-file">CSV file</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby={fileError === undefined ? 'import-hint' : 'import-hint import-file-error'}
            aria-invalid={fileError === undefined ? undefined : true}
            onChange={(event) => {
              setFile(event.currentTarget.files?.[0]);
              setFileError(undefined);
            }}
          />
          {fileError === undefined ? null : (
            <p id="import-file-error" class="field-error">
              {fileError}
            </p>
          )}
        </div>
        {action.error === undefined ? null : (
          <p class="message error" role="alert">
            {action.error}
          </p>
        )}
        <div role="status">
          {report === undefined ? null : (
            <>
              <p class={report.errors.length === 0 ? 'message info' : 'message warning'}>
                Imported {plural(report.imported, 'endpoint')} of {plural(report.rows, 'row')}.
                {report.errors.length === 0 ? '' : ` ${plural(report.errors.length, 'row')} refused:`}
              </p>
              {report.errors.length === 0 ? null : (
                <ul class="import-errors">
                  {report.errors.map((e) => (
                    <li key={e.line}>
                      Line {e.line}: {e.error}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </div>
        <button type="submit" class="primary" aria-disabled={action.busy}>
          Import
        </button>
      </form>
    </Section>
  );
}
