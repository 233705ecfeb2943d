import { Command, CommanderError } from 'commander';
import { isPkiError } from '../core/pki-error.js';
import { CliContext, type CliIo, processIo } from './cli-context.js';
import { acmeCommand } from './commands/acme-commands.js';
import { alertsCommand } from './commands/alert-commands.js';
import { apiTokenCommand } from './commands/api-token-commands.js';
import { caCommand, UsageError } from './commands/ca-commands.js';
import { certCommand } from './commands/cert-commands.js';
import { deviceCommand } from './commands/device-commands.js';
import { enrollmentCommand } from './commands/enrollment-commands.js';
import { crlCommand } from './commands/revocation-commands.js';
import { factoryCommand } from './commands/factory-commands.js';
import { fleetCommand } from './commands/fleet-commands.js';
import { monitorCommand } from './commands/monitor-commands.js';
import { agentCommand } from '../agent/agent-command.js';
import { serverCommands } from './commands/server-commands.js';
import { simulateCommand } from './commands/simulate-commands.js';

/** Exit statuses: 0 done, 1 refused or failed (the message says why), 2 wrong usage, 70 internal error. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

/** What a command sets when its exit status is not simply "it returned" (`agent --once`). */
export interface ExitStatus {
  status?: number;
}

export function buildProgram(io: CliIo, exit: ExitStatus = {}): Command {
  let context: CliContext | undefined;
  const program = new Command('certfleet')
    .description('certfleet: lifecycle management for IoT device certificates')
    .option('-c, --config <file>', 'configuration file (default: ./certfleet.json, or $CERTFLEET_CONFIG)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  const contextFor = () => (context ??= new CliContext(io, program.opts<{ config?: string }>().config));
  for (const command of [
    ...serverCommands(contextFor),
    caCommand(contextFor),
    certCommand(contextFor),
    factoryCommand(contextFor),
    deviceCommand(contextFor),
    fleetCommand(contextFor),
    monitorCommand(contextFor),
    apiTokenCommand(contextFor),
    alertsCommand(contextFor),
    enrollmentCommand(contextFor),
    acmeCommand(contextFor),
    crlCommand(contextFor),
    simulateCommand(contextFor),
    agentCommand((status) => (exit.status = status)),
  ]) {
    program.addCommand(command);
  }
  // Subcommands inherit the output and exit behaviour, so `certfleet ca --bogus` is a usage error too.
  program.commands.forEach(function configure(command: Command) {
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    command.commands.forEach(configure);
  });
  return program;
}

/** Runs the CLI; returns the exit status. Errors are one line on stderr, never a stack trace. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const exit: ExitStatus = {};
  const program = buildProgram(io, exit);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit.status ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; commander already printed what went wrong otherwise.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(`certfleet: ${error.message}\n`);
      return EXIT.usage;
    }
    if (isPkiError(error) && error.code !== 'INTERNAL') {
      io.stderr(`certfleet: ${error.message} [${error.code}]\n`);
      return EXIT.failed;
    }
    io.stderr(`certfleet: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (io.env['CERTFLEET_DEBUG'] !== undefined && error instanceof Error && error.stack)
      io.stderr(`${error.stack}\n`);
    return EXIT.internal;
  }
}
