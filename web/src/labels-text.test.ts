import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLabels, parseLabels } from './labels-text.js';

test('name=value pairs separated by commas, spaces trimmed, empty parts ignored', () => {
  assert.deepEqual(parseLabels(' site = fra , env=prod,, '), {
    ok: true,
    labels: { site: 'fra', env: 'prod' },
  });
  assert.deepEqual(parseLabels(''), { ok: true, labels: {} });
  assert.deepEqual(parseLabels('note=a=b'), { ok: true, labels: { note: 'a=b' } });
});

test('a part without a name, without =, or given twice is named in the error', () => {
  assert.deepEqual(parseLabels('site'), { ok: false, error: "'site' is not name=value" });
  assert.deepEqual(parseLabels('=x'), { ok: false, error: "'=x' is not name=value" });
  assert.deepEqual(parseLabels(' =x'), { ok: false, error: "'=x' is not name=value" });
  assert.deepEqual(parseLabels('a=1, a=2'), { ok: false, error: "label 'a' is given twice" });
});

test('formatting sorts by name and parses back', () => {
  const text = formatLabels({ site: 'fra', env: 'prod' });
  assert.equal(text, 'env=prod, site=fra');
  assert.deepEqual(parseLabels(text), { ok: true, labels: { env: 'prod', site: 'fra' } });
});
