/**
 * One structured line per outcome. `event` names are stable (dotted, like the audit trail's) so that the fleet
 * simulator and log pipelines can count them; `message` is for people.
 */
export interface AgentLogLine {
  /** Device clock. */
  readonly at: Date;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly event: AgentLogEvent;
  readonly message: string;
  readonly fields?: Readonly<Record<string, string | number | boolean>>;
}

export type AgentLogEvent =
  | 'agent.onboarded'
  | 'agent.renewed'
  | 'agent.not-due'
  | 'agent.pending'
  | 'agent.failed'
  | 'agent.clock.wrong'
  | 'agent.clock.recovered'
  | 'agent.trust.pinned'
  | 'agent.trust.refreshed'
  | 'agent.trust.anchor-added'
  | 'agent.trust.root-ignored'
  | 'agent.csr.unfilled-attributes'
  | 'agent.credential.unusable'
  | 'agent.state.unsaved'
  | 'agent.hook.failed'
  | 'agent.renewal-info.window'
  | 'agent.renewal-info.failed';

/** The default sink: a human-readable line on stderr; debug lines (a not-due step) are left out. */
export function stderrLog(line: AgentLogLine): void {
  if (line.level === 'debug') return;
  const fields = Object.entries(line.fields ?? {})
    .map(([name, value]) => ` ${name}=${String(value)}`)
    .join('');
  process.stderr.write(`${line.at.toISOString()} ${line.level} ${line.event}: ${line.message}${fields}\n`);
}
