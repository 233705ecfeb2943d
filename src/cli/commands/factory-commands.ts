import { Command } from 'commander';
import type { IssuerId } from '../../core/ids.js';
import { issueBatch } from '../batch-issue.js';
import type { CliContext } from '../cli-context.js';
import { durationOption, issuerIdOption } from '../options.js';

export function factoryCommand(context: () => CliContext): Command {
  const factory = new Command('factory').description(
    'factory provisioning: birth certificates (IDevIDs) for devices',
  );
  factory
    .command('sign')
    .description(
      'sign every device CSR in a folder as an IDevID (offline-style batch signing), with a progress bar',
    )
    .requiredOption(
      '--csr-dir <dir>',
      'folder of device CSRs (*.csr, *.pem, *.der); each subject needs the device serialNumber',
    )
    .option('--out-dir <dir>', 'where to write <name>.cert.pem (default: next to each CSR)')
    .option('--issuer <id>', 'the factory issuer (default: the one configured for idevid)', issuerIdOption)
    .option(
      '--validity <duration>',
      'lifetime, e.g. 15y (default: the idevid profile default)',
      durationOption,
    )
    .option('--chain', 'append the issuing CA certificate(s) to each file')
    .action(
      async (options: {
        csrDir: string;
        outDir?: string;
        issuer?: IssuerId;
        validity?: number;
        chain?: boolean;
      }) => {
        const ctx = context();
        await ctx.withRuntime((runtime) =>
          issueBatch(ctx, options, (csr) =>
            runtime.ra.requestCertificate(
              { kind: 'operator', name: 'factory-cli' },
              {
                csr,
                profile: 'idevid',
                protocol: 'cli',
                operation: 'factory-sign',
                ...(options.issuer === undefined ? {} : { issuerId: options.issuer }),
                ...(options.validity === undefined ? {} : { validitySeconds: options.validity }),
              },
            ),
          ),
        );
      },
    );
  return factory;
}
