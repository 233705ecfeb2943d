import { useId, useState } from 'preact/hooks';
import { apiPath } from '../api-path.js';
import {
  type AtRiskPage,
  type Endpoint,
  type EnrollmentFailures,
  type ExpiryTimeline,
  FLEET_STATES,
  type FleetStatus,
  type Page,
  type TimelineGrouping,
} from '../api-types.js';
import { ExpiryTimelineChart } from '../components/expiry-timeline-chart.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Section } from '../components/section.js';
import { TableScroll } from '../components/table-scroll.js';
import { TimeText } from '../components/time-text.js';
import { formatCount, hostPort, humanize, plural } from '../format.js';
import { deviceHash, devicesHash, endpointHash } from '../hash-route.js';
import { useOperator } from '../operator-context.js';
import { usePolling } from '../use-polling.js';

const TIMELINE_DAYS = 90;
const AT_RISK_SHOWN = 10;
const FAILING_SHOWN = 10;
const FAILURE_WINDOW_SECONDS = 24 * 60 * 60;

/** The fleet at a glance: every section loads (and fails) on its own, so one slow query hides nothing else. */
export function OverviewPage() {
  return (
    <>
      <PageHeading title="Overview" />
      <div class="grid">
        <DevicesByState />
        <AtRisk />
      </div>
      <ExpiryTimelineSection />
      <div class="grid">
        <EnrollmentFailuresSection />
        <FailingEndpoints />
      </div>
    </>
  );
}

function DevicesByState() {
  const { api } = useOperator();
  const status = usePolling((signal) => api.get<FleetStatus>('/fleet/status', signal), [api]);
  const counts = status.data?.counts;
  return (
    <Section title="Devices by state">
      {counts === undefined ? null : (
        <TableScroll label="Devices by state">
          <table class="counts">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col" class="number">
                  Devices
                </th>
              </tr>
            </thead>
            <tbody>
              {FLEET_STATES.map((state) => (
                <tr key={state} data-state={state}>
                  <th scope="row">
                    <a href={devicesHash({ state })} class={`state-link state-${state}`}>
                      {state}
                    </a>
                  </th>
                  {/* The exact count, digits only, also in the attribute: tests compare it with the API. */}
                  <td class="number" data-count={String(counts[state])}>
                    {counts[state]}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">total</th>
                <td class="number" data-total={String(counts.total)}>
                  {counts.total}
                </td>
              </tr>
            </tfoot>
          </table>
        </TableScroll>
      )}
      <LoadStatus polled={status} />
    </Section>
  );
}

function ExpiryTimelineSection() {
  const { api } = useOperator();
  const [by, setBy] = useState<TimelineGrouping>('state');
  const groupName = useId();
  const timeline = usePolling(
    (signal) =>
      api.get<ExpiryTimeline>(apiPath('/fleet/expiry-timeline', { days: TIMELINE_DAYS, by }), signal),
    [api, by],
  );
  const toggle = (
    <fieldset class="toggle">
      <legend>Stack by</legend>
      {(['state', 'issuer'] as const).map((value) => (
        <label key={value}>
          <input
            type="radio"
            name={groupName}
            value={value}
            checked={by === value}
            onChange={() => setBy(value)}
          />{' '}
          {value}
        </label>
      ))}
    </fieldset>
  );
  return (
    <Section title="Expiry timeline" actions={toggle} className="wide">
      <p class="muted">
        Certificates in use by the day they expire, over the next {TIMELINE_DAYS} days (UTC).
      </p>
      {timeline.data === undefined ? null : <ExpiryTimelineChart timeline={timeline.data} />}
      <LoadStatus polled={timeline} />
    </Section>
  );
}

function AtRisk() {
  const { api } = useOperator();
  const atRisk = usePolling(
    (signal) => api.get<AtRiskPage>(apiPath('/fleet/at-risk', { limit: AT_RISK_SHOWN }), signal),
    [api],
  );
  const items = atRisk.data?.items;
  return (
    <Section title="At risk">
      {items === undefined ? null : items.length === 0 ? (
        <p>No device is at risk.</p>
      ) : (
        <TableScroll label="Devices at risk">
          <table>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Reason</th>
                <th scope="col">Expires</th>
                <th scope="col" class="number">
                  Failures
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((device) => (
                <tr key={device.deviceId}>
                  <th scope="row">
                    <a href={deviceHash(device.deviceId)}>{device.deviceId}</a>
                  </th>
                  <td>{humanize(device.reason)}</td>
                  <td>
                    <TimeText iso={device.inUse?.notAfter ?? null} dateOnly />
                  </td>
                  <td class="number">{device.consecutiveFailures}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {atRisk.data?.next === null || atRisk.data === undefined ? null : (
        <p>
          <a href={devicesHash({ state: 'at_risk' })}>Every device at risk</a>
        </p>
      )}
      <LoadStatus polled={atRisk} />
    </Section>
  );
}

function EnrollmentFailuresSection() {
  const { api } = useOperator();
  const failures = usePolling(
    (signal) =>
      api.get<EnrollmentFailures>(
        apiPath('/enrollment-failures', { sinceSeconds: FAILURE_WINDOW_SECONDS }),
        signal,
      ),
    [api],
  );
  const data = failures.data;
  return (
    <Section title="Enrollment failures (24 h)">
      {data === undefined ? null : data.total === 0 ? (
        <p>No enrollment failed in the last 24 hours.</p>
      ) : (
        <>
          <p>
            {plural(data.total, 'failed enrollment')} since <TimeText iso={data.since} />.
          </p>
          <TableScroll label="Enrollment failures by cause">
            <table>
              <thead>
                <tr>
                  <th scope="col">Cause</th>
                  <th scope="col" class="number">
                    Count
                  </th>
                  <th scope="col">Last</th>
                  <th scope="col">Last reason</th>
                </tr>
              </thead>
              <tbody>
                {data.byCause.map((cause) => (
                  <tr key={cause.reasonCode ?? ''}>
                    <th scope="row">{cause.reasonCode ?? 'unknown'}</th>
                    <td class="number">{formatCount(cause.count)}</td>
                    <td>
                      <TimeText iso={cause.lastAt} />
                    </td>
                    <td class="wrap">{cause.lastReason ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
      <LoadStatus polled={failures} />
    </Section>
  );
}

function FailingEndpoints() {
  const { api } = useOperator();
  const failing = usePolling(
    (signal) =>
      api.get<Page<Endpoint>>(apiPath('/endpoints', { failing: true, limit: FAILING_SHOWN }), signal),
    [api],
  );
  const items = failing.data?.items;
  return (
    <Section title="Endpoints failing probes">
      {items === undefined ? null : items.length === 0 ? (
        <p>Every monitored endpoint answered its last probe.</p>
      ) : (
        <TableScroll label="Endpoints failing probes">
          <table>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Address</th>
                <th scope="col" class="number">
                  Failures in a row
                </th>
                <th scope="col">Last probe</th>
              </tr>
            </thead>
            <tbody>
              {items.map((endpoint) => (
                <tr key={endpoint.id}>
                  <th scope="row">
                    <a href={endpointHash(endpoint.name)}>{endpoint.name}</a>
                  </th>
                  <td>{hostPort(endpoint.host, endpoint.port)}</td>
                  <td class="number">{endpoint.consecutiveFailures}</td>
                  <td>
                    <TimeText iso={endpoint.lastProbedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <LoadStatus polled={failing} />
    </Section>
  );
}
