import { useEffect, useState } from 'preact/hooks';
import { apiPath } from '../api-path.js';
import type { AuditEvent, Page } from '../api-types.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { TableScroll } from '../components/table-scroll.js';
import { TimeText } from '../components/time-text.js';
import { clip } from '../format.js';
import { type AuditFilter, auditFilterOf, auditFilterParams, auditQuery } from '../audit-filter.js';
import type { RouteParams } from '../hash-route.js';
import { useOperator } from '../operator-context.js';
import { usePolling } from '../use-polling.js';
import { navigate } from '../use-route.js';

const EVENTS_PER_PAGE = 50;
/** An event's data is shown on one line this long; the whole of it opens below. */
const DATA_PREVIEW_CHARS = 60;

/** Stable event names the server writes, offered as suggestions; any other can be typed. */
const KNOWN_EVENTS = [
  'cert.issued',
  'cert.revoked',
  'device.decommissioned',
  'token.created',
  'token.voided',
  'api-token.created',
  'api-token.revoked',
  'endpoint.added',
  'endpoint.updated',
  'endpoint.removed',
  'endpoints.imported',
  'endpoint.probed',
  'alert-rule.added',
  'alert-rule.enabled',
  'alert-rule.disabled',
  'alert-rule.removed',
  'ceremony.root.created',
  'ceremony.intermediate.signed',
  'issuer.imported',
  'crl.imported',
];

/** The append-only audit trail, newest first, filtered by event name and UTC days. */
export function AuditPage({ params }: { params: RouteParams }) {
  const { api } = useOperator();
  const filter = auditFilterOf(params);
  const filterKey = JSON.stringify(auditFilterParams(filter));
  const pages = useCursorPages(filterKey);
  const events = usePolling(
    (signal) =>
      api.get<Page<AuditEvent>>(
        apiPath('/audit-events', { ...auditQuery(filter), limit: EVENTS_PER_PAGE, cursor: pages.cursor }),
        signal,
      ),
    [api, filterKey, pages.cursor],
  );
  const [eventText, setEventText] = useState(filter.event ?? '');
  useEffect(() => {
    setEventText(filter.event ?? '');
  }, [filter.event]);
  const change = (changes: Partial<AuditFilter>) =>
    navigate({ page: 'audit', params: auditFilterParams({ ...filter, ...changes }) }, { replace: true });
  const items = events.data?.items;

  return (
    <>
      <PageHeading title="Audit log" />
      <form
        class="filters"
        role="search"
        aria-label="Filter audit events"
        onSubmit={(event) => {
          event.preventDefault();
          const name = eventText.trim();
          change({ event: name === '' ? undefined : name });
        }}
      >
        <div class="field">
          <label for="audit-event">Event</label>
          <input
            id="audit-event"
            type="text"
            list="audit-known-events"
            placeholder="e.g. cert.revoked"
            autoComplete="off"
            spellcheck={false}
            value={eventText}
            onInput={(event) => setEventText(event.currentTarget.value)}
            onChange={(event) => {
              const name = event.currentTarget.value.trim();
              change({ event: name === '' ? undefined : name });
            }}
          />
          <datalist id="audit-known-events">
            {KNOWN_EVENTS.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="audit-since">From (UTC day)</label>
          <input
            id="audit-since"
            type="date"
            value={filter.sinceDay ?? ''}
            onChange={(event) => change({ sinceDay: event.currentTarget.value || undefined })}
          />
        </div>
        <div class="field">
          <label for="audit-until">To (UTC day, included)</label>
          <input
            id="audit-until"
            type="date"
            value={filter.untilDay ?? ''}
            onChange={(event) => change({ untilDay: event.currentTarget.value || undefined })}
          />
        </div>
        <button type="submit">Apply</button>
      </form>

      {items === undefined ? null : items.length === 0 && !pages.hasPrevious ? (
        <p>No audit event matches.</p>
      ) : (
        <TableScroll label="Audit events">
          <table class="audit" aria-busy={events.loading}>
            <thead>
              <tr>
                <th scope="col" class="number">
                  #
                </th>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Actor</th>
                <th scope="col">Subject</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.seq} data-event={e.event}>
                  <td class="number">{e.seq}</td>
                  <td>
                    <TimeText iso={e.at} />
                  </td>
                  <th scope="row">{e.event}</th>
                  <td>{e.actor}</td>
                  <td class="wrap">{e.subject ?? '—'}</td>
                  <td>
                    {Object.keys(e.data).length === 0 ? (
                      '—'
                    ) : (
                      <details class="audit-data">
                        <summary>
                          <code>{clip(JSON.stringify(e.data), DATA_PREVIEW_CHARS)}</code>
                        </summary>
                        <pre class="json">{JSON.stringify(e.data, null, 2)}</pre>
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager pages={pages} next={events.data?.next} label="Audit event pages" />
      <LoadStatus polled={events} />
    </>
  );
}
