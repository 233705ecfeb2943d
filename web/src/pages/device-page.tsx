import { useEffect, useRef, useState } from 'preact/hooks';
import { apiPath, segment } from '../api-path.js';
import {
  type Certificate,
  type CreatedEnrollmentToken,
  type Device,
  type EnrollmentEvent,
  type Page,
  REVOCATION_REASONS,
  type RevocationReason,
} from '../api-types.js';
import { CertificateTimeline } from '../components/certificate-timeline.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { Section } from '../components/section.js';
import { StateBadge } from '../components/state-badge.js';
import { TableScroll } from '../components/table-scroll.js';
import { TimeText } from '../components/time-text.js';
import { formatSeconds, humanize } from '../format.js';
import { useIsAdmin, useOperator } from '../operator-context.js';
import { useAction } from '../use-action.js';
import { type Polled, usePolling } from '../use-polling.js';

const CERTIFICATES_SHOWN = 100;
const EVENTS_PER_PAGE = 20;
const TOKEN_LIFETIMES_SECONDS = [1, 7, 30, 90].map((days) => days * 24 * 60 * 60);
const DEFAULT_TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

type DialogName = 'revoke' | 'decommission' | 'token';

/** One device: its state and certificates over time, its enrollment attempts, and (admin) what can be done. */
export function DevicePage({ deviceId }: { deviceId: string }) {
  const { api } = useOperator();
  const isAdmin = useIsAdmin();
  const path = `/devices/${segment(deviceId)}`;
  const device = usePolling((signal) => api.get<Device>(path, signal), [api, path]);
  const certificates = usePolling(
    (signal) =>
      api.get<Page<Certificate>>(apiPath(`${path}/certificates`, { limit: CERTIFICATES_SHOWN }), signal),
    [api, path],
  );
  const eventPages = useCursorPages(path);
  const events = usePolling(
    (signal) =>
      api.get<Page<EnrollmentEvent>>(
        apiPath(`${path}/enrollment-events`, { limit: EVENTS_PER_PAGE, cursor: eventPages.cursor }),
        signal,
      ),
    [api, path, eventPages.cursor],
  );
  const [dialog, setDialog] = useState<DialogName | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const refocus = useRef(false);
  const refresh = (message: string) => {
    setDialog(undefined);
    setNotice(message);
    refocus.current = true;
    device.reload();
    certificates.reload();
    events.reload();
  };
  // After an action the button that had focus may vanish with the refreshed data (Revoke, once revoked):
  // focus then goes to the page's heading rather than being lost.
  useEffect(() => {
    if (!refocus.current || device.loading || certificates.loading) return;
    refocus.current = false;
    if (document.activeElement === null || document.activeElement === document.body) {
      document.querySelector<HTMLElement>('main h1')?.focus();
    }
  }, [device.loading, certificates.loading]);
  const missing = device.data === undefined && isNotFound(device);
  const current = device.data;
  const state = current?.state;
  const live = state !== undefined && state !== 'decommissioned';
  // The fleet state says `revoked` when the device, or its newest LDevID, was revoked (docs/fleet.md); an older
  // certificate still in use (renewed, not deployed) that was revoked is said here, so the page does not look
  // healthy while the device cannot connect.
  const inUseSerial = current?.certificateInUse?.serial;
  const inUseRevoked =
    inUseSerial !== undefined &&
    certificates.data?.items.some((c) => c.serial === inUseSerial && c.status === 'revoked') === true;

  return (
    <>
      <p class="breadcrumb">
        <a href="#/devices">Devices</a> /
      </p>
      <PageHeading title={deviceId} />
      {missing ? (
        <p class="message error" role="alert">
          No device has the id {deviceId}.
        </p>
      ) : null}
      {current === undefined ? null : (
        <>
          <p class="device-state">
            State: <StateBadge state={current.state} testId="device-state" />
            {current.atRiskReason === null ? null : (
              <span class="muted"> ({humanize(current.atRiskReason)})</span>
            )}
          </p>
          {inUseRevoked && current.state !== 'revoked' && current.state !== 'decommissioned' ? (
            <p class="message warning">
              The certificate in use is revoked: the device cannot authenticate with it and must enroll again
              (a new enrollment token, or its IDevID).
            </p>
          ) : null}
          <DeviceFacts device={current} />
        </>
      )}
      {missing ? null : <LoadStatus polled={device} />}
      <p class="message info" role="status">
        {notice ?? ''}
      </p>

      {isAdmin && current !== undefined ? (
        <Section title="Actions">
          <div class="actions">
            {live && current.certificateInUse !== null && current.state !== 'revoked' && !inUseRevoked ? (
              <button type="button" class="danger" onClick={() => setDialog('revoke')}>
                Revoke
              </button>
            ) : null}
            {live ? (
              <button type="button" class="danger" onClick={() => setDialog('decommission')}>
                Decommission
              </button>
            ) : null}
            {live ? (
              <button type="button" onClick={() => setDialog('token')}>
                New enrollment token
              </button>
            ) : null}
            {live ? null : <p class="muted">A decommissioned device cannot be changed or enrolled again.</p>}
          </div>
          <RevokeDialog
            open={dialog === 'revoke'}
            device={current}
            certificates={certificates.data?.items ?? []}
            onCancel={() => setDialog(undefined)}
            onDone={refresh}
          />
          <DecommissionDialog
            open={dialog === 'decommission'}
            deviceId={deviceId}
            onCancel={() => setDialog(undefined)}
            onDone={refresh}
          />
          <TokenDialog
            open={dialog === 'token'}
            deviceId={deviceId}
            onClose={(created) => {
              setDialog(undefined);
              if (created) refresh('Enrollment token created.');
            }}
          />
        </Section>
      ) : null}

      <Section title="Certificates">
        {current === undefined || certificates.data === undefined ? null : certificates.data.items.length ===
          0 ? (
          <p>No certificate has been issued to this device.</p>
        ) : (
          <CertificateTimeline certificates={certificates.data.items} device={current} />
        )}
        {certificates.data?.next === null || certificates.data === undefined ? null : (
          <p class="muted">The {CERTIFICATES_SHOWN} certificates that expire first are shown.</p>
        )}
        {missing ? null : <LoadStatus polled={certificates} />}
      </Section>

      <Section title="Enrollment events">
        {events.data === undefined ? null : events.data.items.length === 0 && !eventPages.hasPrevious ? (
          <p>No enrollment attempt is recorded for this device.</p>
        ) : (
          <TableScroll label="Enrollment events">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Protocol</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Certificate</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((event) => (
                  <tr key={event.id}>
                    <th scope="row">
                      <TimeText iso={event.at} />
                    </th>
                    <td>{event.protocol}</td>
                    <td>{event.operation}</td>
                    <td>
                      <span class={`badge outcome-${event.outcome}`}>{event.outcome}</span>
                    </td>
                    <td class="wrap">
                      {event.reasonCode === null && event.reason === null
                        ? '—'
                        : [event.reasonCode, event.reason].filter((p) => p !== null).join(': ')}
                    </td>
                    <td>{event.certificateSerial === null ? '—' : <code>{event.certificateSerial}</code>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        <Pager pages={eventPages} next={events.data?.next} label="Enrollment event pages" />
        {missing ? null : <LoadStatus polled={events} />}
      </Section>
    </>
  );
}

function isNotFound(polled: Polled<unknown>): boolean {
  return polled.errorStatus === 404;
}

function DeviceFacts({ device }: { device: Device }) {
  return (
    <dl class="facts">
      <dt>Product line</dt>
      <dd>{device.productLine ?? '—'}</dd>
      <dt>Certificate in use</dt>
      <dd>
        {device.certificateInUse === null ? (
          'none yet'
        ) : (
          <>
            <code>{device.certificateInUse.serial}</code>, expires{' '}
            <TimeText iso={device.certificateInUse.notAfter} />
          </>
        )}
      </dd>
      <dt>Newest certificate</dt>
      <dd>
        {device.newestCertificate === null ? (
          '—'
        ) : (
          <>
            <code>{device.newestCertificate.serial}</code>
            {device.newestCertificate.issuerId === null ? null : ` from ${device.newestCertificate.issuerId}`}
          </>
        )}
      </dd>
      <dt>Renewal due</dt>
      <dd>
        <TimeText iso={device.renewAt} />
      </dd>
      <dt>IDevID</dt>
      <dd>
        {device.idevid === null ? (
          '—'
        ) : (
          <>
            <code>{device.idevid.serial}</code>
            {device.idevid.issuerId === null ? null : ` from ${device.idevid.issuerId}`}
          </>
        )}
      </dd>
      <dt>Last success</dt>
      <dd>
        <TimeText iso={device.lastSuccessAt} />
      </dd>
      <dt>Last failure</dt>
      <dd>
        <TimeText iso={device.lastFailureAt} />
        {device.lastFailureReason === null ? null : <> — {device.lastFailureReason}</>}
      </dd>
      <dt>Failures in a row</dt>
      <dd>{device.consecutiveFailures}</dd>
      <dt>Last seen presenting its certificate</dt>
      <dd>
        <TimeText iso={device.lastPresentedAt} />
      </dd>
      <dt>Known since</dt>
      <dd>
        <TimeText iso={device.createdAt} />
      </dd>
    </dl>
  );
}

function RevokeDialog({
  open,
  device,
  certificates,
  onCancel,
  onDone,
}: {
  open: boolean;
  device: Device;
  certificates: readonly Certificate[];
  onCancel: () => void;
  onDone: (message: string) => void;
}) {
  const { api } = useOperator();
  const action = useAction();
  const [reason, setReason] = useState<RevocationReason>('unspecified');
  const serial = device.certificateInUse?.serial;
  // The serial alone is ambiguous when two issuers used it: name the issuer when the list shows it.
  const issuerId = certificates.find((c) => c.serial === serial)?.issuerId;
  const confirm = async () => {
    if (serial === undefined) return;
    const answer = await action.run(() =>
      api.post<{ result: 'revoked' | 'already-revoked' }>(`/certificates/${segment(serial)}/revoke`, {
        reason,
        ...(issuerId === undefined ? {} : { issuerId }),
      }),
    );
    if (answer !== undefined) {
      onDone(
        answer.result === 'already-revoked'
          ? `Certificate ${serial} was already revoked.`
          : `Certificate ${serial} revoked.`,
      );
    }
  };
  return (
    <ConfirmDialog
      open={open}
      title={`Revoke the certificate of ${device.id}?`}
      busy={action.busy}
      error={action.error}
      danger
      onConfirm={() => void confirm()}
      onCancel={() => {
        action.reset();
        onCancel();
      }}
    >
      <p>
        Certificate <code>{serial}</code> will be revoked: it goes on its issuer's CRL and OCSP answers
        "revoked" at once. The device needs a new certificate to connect again. This cannot be undone.
      </p>
      <div class="field">
        <label for="revoke-reason">Reason</label>
        <select
          id="revoke-reason"
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value as RevocationReason)}
        >
          {REVOCATION_REASONS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
    </ConfirmDialog>
  );
}

function DecommissionDialog({
  open,
  deviceId,
  onCancel,
  onDone,
}: {
  open: boolean;
  deviceId: string;
  onCancel: () => void;
  onDone: (message: string) => void;
}) {
  const { api } = useOperator();
  const action = useAction();
  const confirm = async () => {
    const answer = await action.run(() =>
      api.post<{ revoked: number; tokensVoided: number }>(`/devices/${segment(deviceId)}/decommission`),
    );
    if (answer !== undefined) {
      onDone(
        `${deviceId} decommissioned: ${answer.revoked} certificate(s) revoked, ` +
          `${answer.tokensVoided} enrollment token(s) voided.`,
      );
    }
  };
  return (
    <ConfirmDialog
      open={open}
      title={`Decommission ${deviceId}?`}
      busy={action.busy}
      error={action.error}
      danger
      onConfirm={() => void confirm()}
      onCancel={() => {
        action.reset();
        onCancel();
      }}
    >
      <p>
        Every certificate of the device is revoked (cessationOfOperation), its enrollment tokens are voided,
        and its IDevID can never onboard again. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}

function TokenDialog({
  open,
  deviceId,
  onClose,
}: {
  open: boolean;
  deviceId: string;
  onClose: (created: boolean) => void;
}) {
  const { api } = useOperator();
  const action = useAction();
  const [profile, setProfile] = useState('ldevid');
  const [lifetime, setLifetime] = useState(DEFAULT_TOKEN_LIFETIME_SECONDS);
  const [created, setCreated] = useState<CreatedEnrollmentToken | undefined>(undefined);
  const [copied, setCopied] = useState(false);

  const close = () => {
    const wasCreated = created !== undefined;
    setCreated(undefined);
    setCopied(false);
    action.reset();
    onClose(wasCreated);
  };
  const confirm = async () => {
    const answer = await action.run(() =>
      api.post<CreatedEnrollmentToken>('/enrollment-tokens', {
        deviceId,
        profile: profile.trim() === '' ? 'ldevid' : profile.trim(),
        expiresInSeconds: lifetime,
      }),
    );
    if (answer !== undefined) setCreated(answer);
  };
  const done =
    created === undefined ? undefined : (
      <>
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard.writeText(created.secret).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy token'}
        </button>
        <button type="button" class="primary" onClick={close}>
          Close
        </button>
      </>
    );

  return (
    <ConfirmDialog
      open={open}
      title={`New enrollment token for ${deviceId}`}
      busy={action.busy}
      error={action.error}
      onConfirm={() => void confirm()}
      onCancel={close}
      {...(done === undefined ? {} : { done })}
    >
      {created === undefined ? (
        <>
          <p>A one-time token the device can enroll with (EST, CMP or ACME) instead of an IDevID.</p>
          <div class="field">
            <label for="token-profile">Profile</label>
            <input
              id="token-profile"
              type="text"
              value={profile}
              onInput={(event) => setProfile(event.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="token-lifetime">Valid for</label>
            <select
              id="token-lifetime"
              value={String(lifetime)}
              onChange={(event) => setLifetime(Number(event.currentTarget.value))}
            >
              {TOKEN_LIFETIMES_SECONDS.map((seconds) => (
                <option key={seconds} value={String(seconds)}>
                  {formatSeconds(seconds)}
                </option>
              ))}
            </select>
          </div>
        </>
      ) : (
        <>
          <p>
            Token <code>{created.token.id}</code>, valid until <TimeText iso={created.token.expiresAt} />.
            This is the only time its secret is shown: copy it now.
          </p>
          <p>
            <label for="token-secret">Secret</label>
            <output id="token-secret" class="secret">
              {created.secret}
            </output>
          </p>
        </>
      )}
    </ConfirmDialog>
  );
}
