import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { AlertRuleRecord, AlertRules, NewAlertRule } from '../store/alert-rules.js';
import type { AuditLog } from '../store/audit-log.js';
import { checkAlertRuleFields } from './alert-rule-input.js';
import { invalidInput } from './invalid-input.js';

/**
 * Alert rules as the API changes them, by the rules `certfleet alerts rule add|enable|disable|remove` follow:
 * the store's rule check, and only channels this deployment configures (alerts.channels). Each change is
 * audited with who made it: `alert-rule.added`, `alert-rule.enabled`, `alert-rule.disabled`,
 * `alert-rule.removed`.
 */
export class AlertRuleRegistrar {
  constructor(
    private readonly deps: {
      readonly rules: Pick<AlertRules, 'add' | 'get' | 'setEnabled' | 'remove'>;
      /** The configured channels' names. */
      readonly channels: readonly string[];
      readonly audit: Pick<AuditLog, 'append'>;
      readonly clock: Clock;
    },
  ) {}

  /** MALFORMED_INPUT names the bad field; CONFLICT if the name is taken. */
  async add(actor: string, rule: NewAlertRule): Promise<AlertRuleRecord> {
    checkAlertRuleFields(rule);
    rule.channels.forEach((channel, i) => {
      if (!this.deps.channels.includes(channel)) {
        const configured = this.deps.channels.length === 0 ? 'none' : this.deps.channels.join(', ');
        throw invalidInput(
          'body',
          `/channels/${i}`,
          `'${channel}' is not a configured channel (${configured})`,
        );
      }
    });
    const at = this.deps.clock.now();
    const added = await this.deps.rules.add(rule, at);
    await this.deps.audit.append({
      at,
      event: 'alert-rule.added',
      actor,
      subject: `alert-rule:${added.name}`,
      data: {
        id: added.id,
        kind: added.condition.kind,
        channels: [...added.channels],
        enabled: added.enabled,
      },
    });
    return added;
  }

  /** Enabling an enabled rule (or disabling a disabled one) changes nothing and is not audited. */
  async setEnabled(actor: string, name: string, enabled: boolean): Promise<AlertRuleRecord> {
    const current = await this.deps.rules.get(name);
    if (current === undefined) throw notFound(name);
    if (current.enabled === enabled) return current;
    const changed = await this.deps.rules.setEnabled(name, enabled);
    await this.deps.audit.append({
      at: this.deps.clock.now(),
      event: enabled ? 'alert-rule.enabled' : 'alert-rule.disabled',
      actor,
      subject: `alert-rule:${name}`,
      data: { id: changed.id },
    });
    return changed;
  }

  /** Removes the rule and its states (its deliveries stay in the log); NOT_FOUND if there is none. */
  async remove(actor: string, name: string): Promise<void> {
    const current = await this.deps.rules.get(name);
    if (current === undefined) throw notFound(name);
    await this.deps.rules.remove(name);
    await this.deps.audit.append({
      at: this.deps.clock.now(),
      event: 'alert-rule.removed',
      actor,
      subject: `alert-rule:${name}`,
      data: { id: current.id },
    });
  }
}

function notFound(name: string): PkiError {
  return new PkiError('NOT_FOUND', `no alert rule is named '${name}'`);
}
