import type { Clock } from '../core/clock.js';
import { type CsvImportReport, importEndpointCsv } from '../monitor/endpoint-csv.js';
import type { AuditLog } from '../store/audit-log.js';
import type {
  EndpointChanges,
  EndpointRegistry,
  MonitoredEndpoint,
  NewEndpoint,
} from '../store/endpoint-registry.js';
import { checkEndpointBody } from './endpoint-input.js';

/**
 * The monitor's endpoints as the API changes them, by the rules `certfleet monitor add|import|remove` follow
 * (the registry's checks, the CSV reader of src/monitor), each change audited with who made it:
 * `endpoint.added`, `endpoint.updated`, `endpoint.removed`, and `endpoints.imported` once per file.
 */
export class EndpointRegistrar {
  constructor(
    private readonly deps: {
      readonly endpoints: Pick<EndpointRegistry, 'add' | 'update' | 'remove' | 'importMany'>;
      readonly audit: Pick<AuditLog, 'append'>;
      readonly clock: Clock;
    },
  ) {}

  /** MALFORMED_INPUT names the bad field; CONFLICT if the name is taken. */
  async add(actor: string, endpoint: NewEndpoint): Promise<MonitoredEndpoint> {
    checkEndpointBody(endpoint);
    const at = this.deps.clock.now();
    const added = await this.deps.endpoints.add(endpoint, at);
    await this.deps.audit.append({
      at,
      event: 'endpoint.added',
      actor,
      subject: `endpoint:${added.name}`,
      data: { host: added.host, port: added.port, protocol: added.protocol, kind: added.kind },
    });
    return added;
  }

  /** NOT_FOUND if no endpoint has the name. */
  async update(actor: string, name: string, changes: EndpointChanges): Promise<MonitoredEndpoint> {
    checkEndpointBody(changes);
    const at = this.deps.clock.now();
    const updated = await this.deps.endpoints.update(name, changes, at);
    await this.deps.audit.append({
      at,
      event: 'endpoint.updated',
      actor,
      subject: `endpoint:${updated.name}`,
      data: { fields: Object.keys(changes).sort() },
    });
    return updated;
  }

  /** Removes the endpoint and its observations; NOT_FOUND if no endpoint has the name. */
  async remove(actor: string, name: string): Promise<void> {
    await this.deps.endpoints.remove(name);
    await this.deps.audit.append({
      at: this.deps.clock.now(),
      event: 'endpoint.removed',
      actor,
      subject: `endpoint:${name}`,
      data: {},
    });
  }

  /**
   * Imports a CSV file as `certfleet monitor import` does: the good rows together, each bad row reported by
   * its line. A file without a usable header is MALFORMED_INPUT, and nothing is imported.
   */
  async importCsv(actor: string, csv: string): Promise<CsvImportReport> {
    const at = this.deps.clock.now();
    const report = await importEndpointCsv(this.deps.endpoints, csv, at);
    if (report.imported.length > 0) {
      await this.deps.audit.append({
        at,
        event: 'endpoints.imported',
        actor,
        subject: null,
        data: { rows: report.rows, imported: report.imported.length, refused: report.errors.length },
      });
    }
    return report;
  }
}
