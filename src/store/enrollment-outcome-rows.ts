import { toSupersessionRow } from './certificate-supersession.js';
import type { SupersessionRow } from './certificate-supersession.js';
import { toDeviceChangeRow } from './device-change-queries.js';
import type { DeviceChangeRow } from './device-change-queries.js';
import { toEnrollmentEventRow } from './enrollment-event-row.js';
import type { EnrollmentEventRow } from './enrollment-event-row.js';
import type { EnrollmentOutcome } from './enrollment-recorder.js';

/** One enrollment outcome as the rows and parameters the recorders write; the device change happens at the event's time. */
export interface EnrollmentOutcomeRows {
  readonly event: EnrollmentEventRow;
  readonly device: DeviceChangeRow | undefined;
  readonly superseded: SupersessionRow | undefined;
}

/** Converts (and so checks: an invalid time is MALFORMED_INPUT) before any transaction begins. */
export function toEnrollmentOutcomeRows(outcome: EnrollmentOutcome): EnrollmentOutcomeRows {
  const { event, device, superseded } = outcome;
  return {
    event: toEnrollmentEventRow(event),
    device: device === undefined ? undefined : toDeviceChangeRow(device.id, device.change, event.at),
    superseded: superseded === undefined ? undefined : toSupersessionRow(superseded),
  };
}
