import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { DeviceId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { MonitoredEndpoint, NewEndpoint } from '../../src/store/endpoint-registry.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at } from './store-records.js';

/** A unique endpoint name; the tests of a suite share one store. */
function uniqueName(prefix = 'ep'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function newEndpoint(overrides: Partial<NewEndpoint> = {}): NewEndpoint {
  return { name: uniqueName(), host: 'broker.example.com', port: 8883, ...overrides };
}

/** Everything a failed call must leave as it was: the rows, as listed. */
async function snapshot(store: Store): Promise<readonly MonitoredEndpoint[]> {
  return store.endpoints.list({ limit: 10_000 });
}

for (const engine of storeEngines) {
  describe(`EndpointRegistry (${engine.name})`, () => {
    const current = useStore(engine);

    test('adds an endpoint with defaults, finds it by name and id, lists and counts it', async () => {
      const { store } = current();
      const name = uniqueName('broker');
      const added = await store.endpoints.add(
        { name, host: '10.0.0.7', port: 8883, protocol: 'mqtts' },
        at(1),
      );
      const expected: MonitoredEndpoint = {
        id: added.id,
        name,
        host: '10.0.0.7',
        port: 8883,
        sni: null,
        protocol: 'mqtts',
        kind: 'service',
        deviceId: null,
        clientCredential: null,
        labels: {},
        notes: null,
        enabled: true,
        createdAt: at(1),
        updatedAt: at(1),
        consecutiveFailures: 0,
        lastProbedAt: null,
      };
      assert.deepEqual(added, expected);
      assert.deepEqual(await store.endpoints.get(name), expected);
      assert.deepEqual(await store.endpoints.getById(added.id), expected);
      assert.equal(await store.endpoints.get(uniqueName()), undefined);
      assert.ok((await store.endpoints.list({ limit: 10_000 })).some((e) => e.id === added.id));
      assert.ok((await store.endpoints.count({ kind: 'service' })) >= 1);
    });

    test('keeps every field: SNI, kind, device, credential, labels, notes, disabled', async () => {
      const { store } = current();
      const endpoint: NewEndpoint = {
        name: uniqueName('dev'),
        host: 'fe80::1',
        port: 443,
        sni: 'device-9.devices.example',
        protocol: 'https',
        kind: 'device',
        deviceId: 'SN-0009' as DeviceId,
        clientCredential: 'probe-client',
        labels: { site: 'plant-a', env: 'prod' },
        notes: 'the gateway in hall 3',
        enabled: false,
      };
      const added = await store.endpoints.add(endpoint, at(2));
      assert.deepEqual(
        { ...(await store.endpoints.get(endpoint.name)) },
        {
          ...added,
          sni: 'device-9.devices.example',
          kind: 'device',
          deviceId: 'SN-0009',
          clientCredential: 'probe-client',
          labels: { env: 'prod', site: 'plant-a' },
          notes: 'the gateway in hall 3',
          enabled: false,
        },
      );
      const disabled = await store.endpoints.list({ enabled: false, kind: 'device', limit: 10_000 });
      assert.ok(disabled.some((e) => e.name === endpoint.name));
      assert.ok(
        !(await store.endpoints.list({ enabled: true, limit: 10_000 })).some((e) => e.name === endpoint.name),
      );
    });

    test('a taken name is CONFLICT and changes nothing', async () => {
      const { store } = current();
      const first = await store.endpoints.add(newEndpoint(), at(1));
      const before = await snapshot(store);
      await assert.rejects(
        store.endpoints.add(newEndpoint({ name: first.name, host: 'other.example' }), at(2)),
        (error) => isPkiError(error, 'CONFLICT') && /exists already/.test(error.message),
      );
      assert.deepEqual(await snapshot(store), before);
    });

    test('bad input is MALFORMED_INPUT naming the field, and changes nothing', async () => {
      const { store } = current();
      const before = await snapshot(store);
      const cases: Array<[Partial<NewEndpoint> | Record<string, unknown>, RegExp]> = [
        [{ name: '' }, /name '' is not valid/],
        [{ name: 'has space' }, /name 'has space' is not valid/],
        [{ name: 'x'.repeat(129) }, /name .* is not valid/],
        [{ host: 'bad host' }, /host 'bad host' is not a DNS name or an IP address/],
        [{ host: '' }, /host '' is not a DNS name/],
        [{ port: 0 }, /port 0 is not a whole number from 1 to 65535/],
        [{ port: 65_536 }, /port 65536/],
        [{ port: 8.5 }, /port 8.5/],
        [{ sni: '127.0.0.1' }, /sni '127.0.0.1' is not a DNS name/],
        [{ sni: 'bad sni' }, /sni 'bad sni'/],
        [{ protocol: 'ftp' }, /protocol 'ftp' is not one of tls, mqtts, https, smtp-starttls, imap-starttls/],
        [{ kind: 'server' }, /kind 'server' is not one of service, device/],
        [{ deviceId: 'not a device' }, /device id 'not a device' is not valid/],
        [{ clientCredential: '../etc' }, /client credential '..\/etc' is not a valid name/],
        [{ labels: { 'bad-label': 'x' } }, /label name 'bad-label' is not valid/],
        [{ labels: { ok: 'x'.repeat(300) } }, /label ok must be text of at most 256 characters/],
        [{ notes: 'n'.repeat(2001) }, /notes must be text/],
        [{ enabled: 'yes' }, /enabled must be true or false/],
      ];
      for (const [overrides, message] of cases) {
        await assert.rejects(
          store.endpoints.add({ ...newEndpoint(), ...overrides }, at(1)),
          (error) => isPkiError(error, 'MALFORMED_INPUT') && message.test(error.message),
          JSON.stringify(overrides).slice(0, 80),
        );
      }
      assert.deepEqual(await snapshot(store), before);
    });

    test('update changes the given fields only; unknown and bad changes are refused and change nothing', async () => {
      const { store } = current();
      const added = await store.endpoints.add(newEndpoint({ labels: { site: 'a' } }), at(1));
      const updated = await store.endpoints.update(
        added.name,
        { port: 9443, enabled: false, sni: 'b.example' },
        at(5),
      );
      assert.deepEqual(updated, { ...added, port: 9443, enabled: false, sni: 'b.example', updatedAt: at(5) });
      const before = await snapshot(store);
      await assert.rejects(store.endpoints.update(uniqueName(), { port: 1 }, at(6)), (error) =>
        isPkiError(error, 'NOT_FOUND'),
      );
      await assert.rejects(
        store.endpoints.update(added.name, { port: 70_000 }, at(6)),
        (error) => isPkiError(error, 'MALFORMED_INPUT') && /port 70000/.test(error.message),
      );
      await assert.rejects(
        store.endpoints.update(added.name, { host: 'ok.example', protocol: 'gopher' as never }, at(6)),
        (error) => isPkiError(error, 'MALFORMED_INPUT') && /protocol 'gopher'/.test(error.message),
      );
      assert.deepEqual(await snapshot(store), before);
    });

    test('remove deletes the endpoint; an unknown name is NOT_FOUND and changes nothing', async () => {
      const { store } = current();
      const added = await store.endpoints.add(newEndpoint(), at(1));
      await store.endpoints.remove(added.name);
      assert.equal(await store.endpoints.get(added.name), undefined);
      const before = await snapshot(store);
      await assert.rejects(store.endpoints.remove(added.name), (error) => isPkiError(error, 'NOT_FOUND'));
      assert.deepEqual(await snapshot(store), before);
    });

    test('list pages by name', async () => {
      const { store } = current();
      const prefix = uniqueName('page');
      for (const suffix of ['c', 'a', 'b'])
        await store.endpoints.add(newEndpoint({ name: `${prefix}-${suffix}` }), at(1));
      const all = (await store.endpoints.list({ limit: 10_000 }))
        .map((e) => e.name)
        .filter((n) => n.startsWith(prefix));
      assert.deepEqual(all, [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
      await assert.rejects(store.endpoints.list({ limit: 0 }), (error) =>
        isPkiError(error, 'MALFORMED_INPUT'),
      );
      await assert.rejects(store.endpoints.list({ offset: -1 }), (error) =>
        isPkiError(error, 'MALFORMED_INPUT'),
      );
    });

    test('importMany adds the good entries in one go and reports each bad one in order', async () => {
      const { store } = current();
      const existing = await store.endpoints.add(newEndpoint(), at(1));
      const good1 = newEndpoint({ protocol: 'smtp-starttls', port: 25 });
      const good2 = newEndpoint({ kind: 'device', deviceId: 'SN-1' as DeviceId });
      const outcomes = await store.endpoints.importMany(
        [
          good1,
          newEndpoint({ port: 0 }),
          newEndpoint({ name: existing.name }),
          good2,
          newEndpoint({ name: good1.name, host: 'twice.example' }),
        ],
        at(3),
      );
      assert.equal(outcomes.length, 5);
      assert.ok(
        outcomes[0]?.ok && outcomes[0].endpoint.name === good1.name && outcomes[0].endpoint.port === 25,
      );
      assert.deepEqual(outcomes[1], { ok: false, reason: 'port 0 is not a whole number from 1 to 65535' });
      assert.deepEqual(outcomes[2], {
        ok: false,
        reason: `an endpoint named '${existing.name}' exists already`,
      });
      assert.ok(outcomes[3]?.ok && outcomes[3].endpoint.kind === 'device');
      assert.deepEqual(outcomes[4], {
        ok: false,
        reason: `name '${good1.name}' is given twice; the first one counts`,
      });
      assert.equal((await store.endpoints.get(good1.name))?.host, 'broker.example.com');
      assert.equal((await store.endpoints.get(good2.name))?.deviceId, 'SN-1');
      assert.equal((await store.endpoints.get(existing.name))?.createdAt.getTime(), at(1).getTime());
    });

    test('importMany with only bad entries changes nothing', async () => {
      const { store } = current();
      const before = await snapshot(store);
      const outcomes = await store.endpoints.importMany(
        [newEndpoint({ host: '-' }), newEndpoint({ port: -1 })],
        at(1),
      );
      assert.deepEqual(
        outcomes.map((o) => o.ok),
        [false, false],
      );
      assert.deepEqual(await snapshot(store), before);
    });

    test('listDue pages through enabled, due endpoints of a kind; claimDue claims each once', async () => {
      const { store } = current();
      const kind = 'device';
      const mine = new Set<number>();
      for (let i = 0; i < 5; i += 1) {
        mine.add((await store.endpoints.add(newEndpoint({ kind, name: uniqueName('due') }), at(0))).id);
      }
      const disabled = await store.endpoints.add(newEndpoint({ kind, enabled: false }), at(0));
      const due = async (dueBefore: Date) => {
        const seen: number[] = [];
        for (let afterId = 0; ;) {
          const page = await store.endpoints.listDue({ kind, dueBefore, afterId, limit: 2 });
          seen.push(...page.map((e) => e.id));
          const last = page[page.length - 1];
          if (last === undefined) return seen.filter((id) => mine.has(id) || id === disabled.id);
          assert.ok(page.every((e) => e.id > afterId && e.enabled && e.kind === kind));
          afterId = last.id;
        }
      };
      assert.deepEqual(
        await due(at(100)),
        [...mine].sort((a, b) => a - b),
      );

      const [first, second] = [...mine];
      assert.deepEqual(await store.endpoints.claimDue([first!, second!, disabled.id], at(100), at(50)), [
        first,
        second,
      ]);
      // Claimed at 100: not due before 50 any more, nor claimable again; due again for a later cut-off.
      assert.deepEqual(await store.endpoints.claimDue([first!], at(101), at(50)), []);
      assert.ok(!(await due(at(50))).includes(first!));
      assert.ok((await due(at(100))).includes(first!));
      assert.deepEqual(
        (await store.endpoints.get((await store.endpoints.getById(first!))!.name))?.lastProbedAt,
        at(100),
      );
      assert.deepEqual(await store.endpoints.claimDue([], at(100), at(50)), []);
    });

    test('concurrent claims of the same endpoints give each to one claimant', async () => {
      const { store, openAnother } = current();
      const ids: number[] = [];
      for (let i = 0; i < 20; i += 1)
        ids.push((await store.endpoints.add(newEndpoint({ kind: 'device' }), at(0))).id);
      const other = await openAnother();
      try {
        const [a, b] = await Promise.all([
          store.endpoints.claimDue(ids, at(10), at(5)),
          other.endpoints.claimDue(ids, at(10), at(5)),
        ]);
        assert.equal(a.length + b.length, ids.length);
        assert.deepEqual(
          [...a, ...b].sort((x, y) => x - y),
          ids,
        );
      } finally {
        await other.close();
      }
    });

    test('page walks the endpoints by name in keyset pages, filtered by kind, protocol and enabled', async () => {
      const { store } = current();
      const prefix = uniqueName('keyset');
      for (const suffix of ['d', 'b', 'a', 'c']) {
        await store.endpoints.add(newEndpoint({ name: `${prefix}-${suffix}` }), at(1));
      }
      await store.endpoints.add(
        newEndpoint({ name: `${prefix}-e`, kind: 'device', protocol: 'https', enabled: false }),
        at(1),
      );
      // The suite shares one store: the prefix's names are contiguous in byte order, so walk from it.
      const walked: string[] = [];
      let afterName = prefix;
      for (;;) {
        const page = await store.endpoints.page({ afterName, limit: 2 });
        const ours = page.map((e) => e.name).filter((n) => n.startsWith(`${prefix}-`));
        walked.push(...ours);
        const last = page[page.length - 1];
        if (last === undefined || ours.length < page.length) break;
        afterName = last.name;
      }
      assert.deepEqual(
        walked,
        ['a', 'b', 'c', 'd', 'e'].map((s) => `${prefix}-${s}`),
      );
      const filtered = await store.endpoints.page({
        kind: 'device',
        protocol: 'https',
        enabled: false,
        afterName: prefix,
        limit: 10_000,
      });
      assert.deepEqual(
        filtered.map((e) => e.name).filter((n) => n.startsWith(prefix)),
        [`${prefix}-e`],
      );
      assert.deepEqual(
        (await store.endpoints.page({ protocol: 'tls', afterName: `${prefix}-c`, limit: 1 })).map(
          (e) => e.name,
        ),
        [`${prefix}-d`],
      );
      await assert.rejects(store.endpoints.page({ limit: 0 }), (error) =>
        isPkiError(error, 'MALFORMED_INPUT'),
      );
    });
  });
}
