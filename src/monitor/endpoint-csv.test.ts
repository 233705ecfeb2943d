import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isPkiError } from '../core/pki-error.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { importEndpointCsv } from './endpoint-csv.js';

const AT = new Date('2030-01-01T00:00:00Z');

describe('importEndpointCsv', () => {
  let store: Store;
  before(async () => {
    store = await openStore('sqlite::memory:');
  });
  after(() => store.close());

  const names = async () => (await store.endpoints.list({ limit: 10_000 })).map((e) => e.name);

  test('imports the good rows and reports each bad row with its line number', async () => {
    await store.endpoints.add({ name: 'taken', host: 'taken.example', port: 443 }, AT);
    const csv = [
      'name,host,port,sni,protocol,kind,device_id',
      'broker-1,broker.example.com,8883,,mqtts,,',
      'mail,mail.example.com,25,,smtp-starttls,service,',
      '',
      'bad-port,x.example,https,,tls,,',
      'short,x.example,443',
      'taken,x.example,443,,tls,,',
      'bad-host,not a host,443,,tls,,',
      'dev-1,10.1.2.3,443,dev-1.devices.example,https,device,SN-1',
      'broker-1,again.example,8883,,mqtts,,',
      'no-proto,x.example,443,,,,',
      'weird,x.example,443,,gopher,,',
      '"unclosed,x.example,443,,tls,,',
    ].join('\n');
    const report = await importEndpointCsv(store.endpoints, csv, AT);
    assert.deepEqual(
      report.imported.map((e) => e.name),
      ['broker-1', 'mail', 'dev-1'],
    );
    assert.equal(report.rows, 11);
    assert.deepEqual(
      report.errors.map((e) => `line ${e.line}: ${e.reason}`),
      [
        "line 5: port 'https' is not a number from 1 to 65535",
        'line 6: 3 field(s), the header has 7',
        "line 7: an endpoint named 'taken' exists already",
        "line 8: host 'not a host' is not a DNS name or an IP address",
        "line 10: name 'broker-1' is given twice; the first one counts",
        'line 11: protocol is empty',
        "line 12: protocol 'gopher' is not one of tls, mqtts, https, smtp-starttls, imap-starttls",
        'line 13: not valid CSV (a quote is not closed where the field ends)',
      ],
    );
    const dev = await store.endpoints.get('dev-1');
    assert.equal(dev?.sni, 'dev-1.devices.example');
    assert.equal(dev?.kind, 'device');
    assert.equal(dev?.deviceId, 'SN-1');
    assert.equal((await store.endpoints.get('broker-1'))?.host, 'broker.example.com');
    assert.equal((await store.endpoints.get('taken'))?.host, 'taken.example');
  });

  test('the optional columns may be left out of the header, in any order', async () => {
    const report = await importEndpointCsv(
      store.endpoints,
      '\ufeffprotocol,port,host,name\r\ntls,443,a.example,only-required\r\n',
      AT,
    );
    assert.deepEqual(report.errors, []);
    assert.equal(report.rows, 1);
    assert.equal((await store.endpoints.get('only-required'))?.kind, 'service');
  });

  test('a bad header refuses the whole file and changes nothing', async () => {
    const before = await names();
    const cases: Array<[string, RegExp]> = [
      ['', /the file is empty/],
      ['name,host,port,protocol,colour\nx,y.example,1,tls,red\n', /line 1: unknown column 'colour'/],
      ['name,host,protocol\nx,y.example,tls\n', /line 1: the header lacks port/],
      ['name,host,port,port,protocol\n', /line 1: column 'port' appears twice/],
    ];
    for (const [csv, message] of cases) {
      await assert.rejects(
        importEndpointCsv(store.endpoints, csv, AT),
        (error) => isPkiError(error, 'MALFORMED_INPUT') && message.test(error.message),
        csv,
      );
    }
    assert.deepEqual(await names(), before);
  });

  test('a file of bad rows only imports nothing', async () => {
    const before = await names();
    const report = await importEndpointCsv(
      store.endpoints,
      'name,host,port,protocol\nx y,a.example,443,tls\nz,a.example,0,tls\n',
      AT,
    );
    assert.deepEqual(report.imported, []);
    assert.deepEqual(
      report.errors.map((e) => e.line),
      [2, 3],
    );
    assert.deepEqual(await names(), before);
  });
});
