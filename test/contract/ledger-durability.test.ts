import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';

const WRITER = fileURLToPath(new URL('./ledger-writer.ts', import.meta.url));

/** Runs the writer until it has reported `batches` committed batches, then SIGKILLs it. */
async function killWriterAfter(url: string, batches: number): Promise<Array<[IssuerId, SerialHex]>> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const reported: Array<[IssuerId, SerialHex]> = [];
  let lines = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const [issuerId, ...serials] = line.split(' ');
    for (const serial of serials) reported.push([issuerId as IssuerId, serial as SerialHex]);
    lines += 1;
    if (lines === batches) {
      child.kill('SIGKILL');
      break;
    }
  }
  assert.equal(await exited, 'SIGKILL', 'the writer was killed, not finished');
  return reported;
}

for (const engine of storeEngines) {
  describe(`CertificateLedger durability (${engine.name})`, () => {
    const current = useStore(engine);

    test('every certificate whose recordSigned resolved survives a SIGKILL of the writer', async () => {
      const { url, openAnother } = current();
      const reported = await killWriterAfter(url, 25);
      assert.equal(reported.length, 25 * 16);
      const reopened = await openAnother();
      try {
        for (const [issuerId, serial] of reported) {
          const record = await reopened.certificates.get(issuerId, serial);
          assert.equal(record?.status, 'issued', `${issuerId}/${serial}`);
        }
        assert.equal((await reopened.audit.verifyChain()).ok, true);
      } finally {
        await reopened.close();
      }
    });
  });
}
