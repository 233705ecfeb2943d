/**
 * A child process for the durability contract: opens the store at argv[2], then records and signs batches of
 * certificates forever, printing each batch's serials on stdout only after recordSigned has resolved. The
 * test kills it with SIGKILL mid-stream; every printed serial must survive.
 */
import { openStore } from '../../src/store/open-store.js';
import { T0, issuedAudit, issuerRecord, preparedCertificate, signedCertificate } from './store-records.js';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: ledger-writer.ts <store-url>');
const store = await openStore(url);
const issuer = issuerRecord();
await store.issuers.add(issuer);
for (;;) {
  const batch = Array.from({ length: 16 }, () => preparedCertificate(issuer.id));
  await store.ledger.recordPrepared(batch, T0);
  await store.ledger.recordSigned(batch.map(signedCertificate), T0, issuedAudit(T0));
  process.stdout.write(`${issuer.id} ${batch.map((c) => c.serial).join(' ')}\n`);
}
