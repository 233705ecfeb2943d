import type { ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import { apiPath, segment } from '../api-path.js';
import {
  type AlertRule,
  type AlertState,
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryStatus,
  type Page,
} from '../api-types.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { Section } from '../components/section.js';
import { TableScroll } from '../components/table-scroll.js';
import { TimeText } from '../components/time-text.js';
import { useIsAdmin, useOperator } from '../operator-context.js';
import { useAction } from '../use-action.js';
import { usePolling } from '../use-polling.js';

const RULES_SHOWN = 500;
const STATES_PER_PAGE = 50;
const DELIVERIES_PER_PAGE = 25;

/** Alert rules, what is firing now, and every notification sent (or not) for them. */
export function AlertsPage() {
  const { api } = useOperator();
  const rules = usePolling(
    (signal) => api.get<Page<AlertRule>>(apiPath('/alert-rules', { limit: RULES_SHOWN }), signal),
    [api],
  );
  return (
    <>
      <PageHeading title="Alerts" />
      <FiringStates />
      <Rules rules={rules.data?.items} status={<LoadStatus polled={rules} />} onChanged={rules.reload} />
      <Deliveries />
    </>
  );
}

function conditionText(rule: AlertRule): string {
  const c = rule.condition;
  const parameters = [
    c.thresholdsDays === undefined ? undefined : `at ${c.thresholdsDays.join(', ')} days`,
    c.failures === undefined ? undefined : `after ${c.failures} failures`,
    c.aboveCount === undefined ? undefined : `above ${c.aboveCount} devices`,
    c.aboveShare === undefined ? undefined : `above ${Math.round(c.aboveShare * 1000) / 10} %`,
  ].filter((p) => p !== undefined);
  return parameters.length === 0 ? c.kind : `${c.kind} (${parameters.join('; ')})`;
}

function subjectsText(rule: AlertRule): string {
  const { kind, labelPattern } = rule.subjects;
  if (kind === undefined && labelPattern === undefined) return 'all';
  return [kind, labelPattern === undefined ? undefined : `matching ${labelPattern}`]
    .filter((p) => p !== undefined)
    .join(' ');
}

function Rules({
  rules,
  status,
  onChanged,
}: {
  rules: readonly AlertRule[] | undefined;
  status: ComponentChild;
  onChanged: () => void;
}) {
  const { api } = useOperator();
  const isAdmin = useIsAdmin();
  const toggle = useAction();
  const remove = useAction();
  const [removing, setRemoving] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState('');

  return (
    <Section title="Rules" className="wide">
      {rules === undefined ? null : rules.length === 0 ? (
        <p>
          No alert rule yet: add one with <code>certfleet alerts rule add</code> or{' '}
          <code>POST /api/v1/alert-rules</code>.
        </p>
      ) : (
        <TableScroll label="Alert rules">
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Condition</th>
                <th scope="col">Subjects</th>
                <th scope="col">Channels</th>
                <th scope="col">Quiet hours</th>
                <th scope="col">Enabled</th>
                {isAdmin ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {rules.map((rule) => (
                <tr key={rule.id} data-rule={rule.name}>
                  <th scope="row">{rule.name}</th>
                  <td>{conditionText(rule)}</td>
                  <td>{subjectsText(rule)}</td>
                  <td>
                    {rule.channels.length === 0 ? <span class="muted">none</span> : rule.channels.join(', ')}
                  </td>
                  <td>
                    {rule.quietHours === null
                      ? '—'
                      : `${rule.quietHours.start}–${rule.quietHours.end} ${rule.quietHours.timeZone}`}
                  </td>
                  <td>{rule.enabled ? 'yes' : 'no'}</td>
                  {isAdmin ? (
                    <td class="row-actions">
                      <button
                        type="button"
                        aria-disabled={toggle.busy}
                        onClick={() => {
                          if (toggle.busy) return;
                          void toggle
                            .run(() =>
                              api.patch<AlertRule>(`/alert-rules/${segment(rule.name)}`, {
                                enabled: !rule.enabled,
                              }),
                            )
                            .then((changed) => {
                              if (changed === undefined) return;
                              setNotice(`Rule ${changed.name} ${changed.enabled ? 'enabled' : 'disabled'}.`);
                              onChanged();
                            });
                        }}
                      >
                        {rule.enabled ? 'Disable' : 'Enable'}
                        <span class="visually-hidden"> {rule.name}</span>
                      </button>{' '}
                      <button type="button" class="danger" onClick={() => setRemoving(rule.name)}>
                        Remove<span class="visually-hidden"> {rule.name}</span>
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {toggle.error === undefined ? null : (
        <p class="message error" role="alert">
          {toggle.error}
        </p>
      )}
      <p class="message info" role="status">
        {notice}
      </p>
      {status}
      {isAdmin ? (
        <ConfirmDialog
          open={removing !== undefined}
          title={`Remove the rule ${removing ?? ''}?`}
          busy={remove.busy}
          error={remove.error}
          danger
          onCancel={() => {
            remove.reset();
            setRemoving(undefined);
          }}
          onConfirm={() => {
            const name = removing;
            if (name === undefined) return;
            void remove
              .run(() => api.delete(`/alert-rules/${segment(name)}`).then(() => true))
              .then((done) => {
                if (done !== true) return;
                setRemoving(undefined);
                setNotice(`Rule ${name} removed.`);
                onChanged();
              });
          }}
        >
          <p>The rule and what it is firing go; its deliveries stay in the log.</p>
        </ConfirmDialog>
      ) : null}
    </Section>
  );
}

function FiringStates() {
  const { api } = useOperator();
  const pages = useCursorPages('alert-states');
  const states = usePolling(
    (signal) =>
      api.get<Page<AlertState>>(
        apiPath('/alert-states', { limit: STATES_PER_PAGE, cursor: pages.cursor }),
        signal,
      ),
    [api, pages.cursor],
  );
  const items = states.data?.items;
  return (
    <Section title="Firing now" className="wide">
      {items === undefined ? null : items.length === 0 && !pages.hasPrevious ? (
        <p>Nothing is firing.</p>
      ) : (
        <TableScroll label="Firing alerts">
          <table>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Rule</th>
                <th scope="col">Level</th>
                <th scope="col">Since</th>
                <th scope="col">Last notified</th>
              </tr>
            </thead>
            <tbody>
              {items.map((state) => (
                <tr key={`${state.ruleId}/${state.subjectKey}`}>
                  <th scope="row">
                    {state.label}
                    {state.label === state.subjectKey ? null : (
                      <span class="muted"> ({state.subjectKey})</span>
                    )}
                  </th>
                  <td>{state.rule}</td>
                  <td>
                    <span class="badge verdict-bad">{state.level}</span>
                  </td>
                  <td>
                    <TimeText iso={state.firingSince} />
                  </td>
                  <td>{state.notifiedLevel ?? <span class="muted">not yet</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager pages={pages} next={states.data?.next} label="Firing alert pages" />
      <LoadStatus polled={states} />
    </Section>
  );
}

function Deliveries() {
  const { api } = useOperator();
  const [status, setStatus] = useState<DeliveryStatus | undefined>(undefined);
  const pages = useCursorPages(`deliveries:${status ?? ''}`);
  const deliveries = usePolling(
    (signal) =>
      api.get<Page<Delivery>>(
        apiPath('/deliveries', { status, limit: DELIVERIES_PER_PAGE, cursor: pages.cursor }),
        signal,
      ),
    [api, status, pages.cursor],
  );
  const items = deliveries.data?.items;
  const filter = (
    <div class="field inline">
      <label for="delivery-status">Delivery status</label>
      <select
        id="delivery-status"
        value={status ?? ''}
        onChange={(event) => {
          const value = event.currentTarget.value;
          setStatus(
            (DELIVERY_STATUSES as readonly string[]).includes(value) ? (value as DeliveryStatus) : undefined,
          );
        }}
      >
        <option value="">Any</option>
        {DELIVERY_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <Section title="Delivery log" actions={filter} className="wide">
      {items === undefined ? null : items.length === 0 && !pages.hasPrevious ? (
        <p>{status === undefined ? 'No notification has been sent yet.' : `No ${status} delivery.`}</p>
      ) : (
        <TableScroll label="Delivery log">
          <table>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Rule</th>
                <th scope="col">Subject</th>
                <th scope="col">Event</th>
                <th scope="col">Channel</th>
                <th scope="col">Status</th>
                <th scope="col" class="number">
                  Attempts
                </th>
                <th scope="col">Next attempt</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <th scope="row">
                    <TimeText iso={d.createdAt} />
                  </th>
                  <td>{d.ruleName}</td>
                  <td>{d.subjectKey}</td>
                  <td>
                    {d.event} ({d.level})
                  </td>
                  <td>{d.channel}</td>
                  <td>
                    <span class={`badge delivery-${d.status}`}>{d.status}</span>
                  </td>
                  <td class="number">{d.attempts}</td>
                  <td>
                    <TimeText iso={d.nextAttemptAt} />
                  </td>
                  <td class="wrap">{d.lastError ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager pages={pages} next={deliveries.data?.next} label="Delivery pages" />
      <LoadStatus polled={deliveries} />
    </Section>
  );
}
