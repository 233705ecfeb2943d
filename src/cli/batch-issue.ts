import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { isPkiError, PkiError } from '../core/pki-error.js';
import type { IssuedCertificate } from '../ca/issue-order.js';
import { encodePem } from '../pki/pem.js';
import type { CliContext } from './cli-context.js';
import { readInputFile } from './input-file.js';

const CSR_EXTENSIONS = new Set(['.csr', '.pem', '.der', '.req']);

export function certificatePem(issued: IssuedCertificate, withChain: boolean): string {
  const ders = withChain ? [issued.der, ...issued.chain.slice(0, -1)] : [issued.der];
  return ders.map((der) => encodePem('CERTIFICATE', der)).join('');
}

/** Issues for every CSR in a folder with a progress bar; a failed CSR is reported and the rest go on. */
export async function issueBatch(
  ctx: CliContext,
  options: { csrDir?: string; outDir?: string; chain?: boolean },
  issue: (csr: Uint8Array) => Promise<IssuedCertificate>,
): Promise<void> {
  const dir = resolve(ctx.io.cwd, options.csrDir ?? '.');
  const files = (await readdir(dir))
    .filter((f) => CSR_EXTENSIONS.has(extname(f).toLowerCase()) && !f.endsWith('.cert.pem'))
    .sort();
  if (files.length === 0)
    throw new PkiError('NOT_FOUND', `no CSR files (*.csr, *.pem, *.der, *.req) in ${dir}`);
  const outDir = options.outDir === undefined ? dir : resolve(ctx.io.cwd, options.outDir);
  await mkdir(outDir, { recursive: true });
  const bar = new cliProgress.SingleBar(
    {
      format: 'issuing [{bar}] {value}/{total} {percentage}% | {eta_formatted} left | failed {failed}',
      noTTYOutput: !ctx.io.isTty,
      notTTYSchedule: 2000,
      stream: ctx.io.stderrStream,
    },
    cliProgress.Presets.legacy,
  );
  bar.start(files.length, 0, { failed: 0 });
  const failures: string[] = [];
  for (const file of files) {
    try {
      const issued = await issue(await readInputFile(dir, file, 'CSR'));
      await writeFile(
        join(outDir, `${basename(file, extname(file))}.cert.pem`),
        certificatePem(issued, options.chain === true),
        { mode: 0o644 },
      );
    } catch (error) {
      if (!isPkiError(error)) throw error;
      failures.push(`${file}: ${error.message}`);
    }
    bar.increment(1, { failed: failures.length });
  }
  bar.stop();
  for (const failure of failures) ctx.note(`refused ${failure}`);
  ctx.note(`Issued ${files.length - failures.length} of ${files.length} certificates into ${outDir}`);
  if (failures.length > 0)
    throw new PkiError('POLICY_VIOLATION', `${failures.length} request(s) were refused`);
}
