#!/usr/bin/env node
// The device agent on its own: `certfleet-agent --est-url … --state-dir …` is `certfleet agent …` without
// loading any server code (see load-current.js for which build runs).
import { loadCurrent } from './load-current.js';

const { agentCommand } = await loadCurrent('agent/agent-command');
const command = agentCommand().name('certfleet-agent');
try {
  await command.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  process.stderr.write(`certfleet-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
