import type { Certificate, Device } from '../api-types.js';
import { nowMs } from '../clock.js';
import { formatUtcDate } from '../format.js';
import { validityTimeline } from '../validity-timeline.js';
import { TimeText } from './time-text.js';

/**
 * A device's certificates on one time axis, newest first: each a bar from notBefore to notAfter with a line
 * at now, so renewals and overlaps read at a glance; the words beside each bar say the same for those who do
 * not see it (the bars are hidden from screen readers).
 */
export function CertificateTimeline({
  certificates,
  device,
}: {
  certificates: readonly Certificate[];
  device: Device;
}) {
  const now = nowMs();
  const sorted = [...certificates].sort(
    (a, b) => Date.parse(b.notBefore) - Date.parse(a.notBefore) || b.serial.localeCompare(a.serial),
  );
  const timeline = validityTimeline(sorted, now);
  const barOf = new Map(timeline.bars.map((bar) => [bar.serial, bar]));
  const inUse = device.certificateInUse?.serial;
  const newest = device.newestCertificate?.serial;

  return (
    <>
      <p class="axis-range muted">
        Axis: {formatUtcDate(new Date(timeline.startMs).toISOString())} to{' '}
        {formatUtcDate(new Date(timeline.endMs).toISOString())}; the line marks now.
      </p>
      <ol class="cert-timeline">
        {sorted.map((cert) => {
          const bar = barOf.get(cert.serial);
          return (
            <li key={`${cert.issuerId}/${cert.serial}`} data-serial={cert.serial}>
              <div class="cert-head">
                <code class="serial" title={cert.serial}>
                  {cert.serial}
                </code>
                <span class={`badge status-${cert.status}`}>{cert.status}</span>
                {cert.serial === inUse ? <span class="badge in-use">in use</span> : null}
                {cert.serial === newest && cert.serial !== inUse ? (
                  <span class="badge newest">newest, not yet in use</span>
                ) : null}
                {cert.supersededBy === null ? null : (
                  <span class="badge muted-badge">superseded by {cert.supersededBy}</span>
                )}
              </div>
              {bar === undefined ? null : (
                <svg class="validity-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                  <rect class="validity-track" x="0" y="4" width="100" height="2" />
                  <rect
                    class={`validity status-${cert.status}`}
                    x={bar.startPercent}
                    y="1"
                    width={bar.widthPercent}
                    height="8"
                  />
                  {timeline.nowPercent === undefined ? null : (
                    <line
                      class="now-line"
                      x1={timeline.nowPercent}
                      x2={timeline.nowPercent}
                      y1="0"
                      y2="10"
                      vector-effect="non-scaling-stroke"
                    />
                  )}
                </svg>
              )}
              <p class="cert-detail">
                Valid <TimeText iso={cert.notBefore} dateOnly /> to <TimeText iso={cert.notAfter} dateOnly />
                {' · '}issuer {cert.issuerId} · profile {cert.profile} · {cert.keyAlgorithm} · via{' '}
                {cert.requestedVia}
                {cert.revokedAt === null ? null : (
                  <>
                    {' · '}revoked <TimeText iso={cert.revokedAt} />
                    {cert.revocationReason === null ? null : ` (${cert.revocationReason})`}
                  </>
                )}
              </p>
            </li>
          );
        })}
      </ol>
    </>
  );
}
