import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRouteHash, pageIdentity, parseRoute, type Route, routeHash } from './hash-route.js';

test('the contract routes parse to their pages', () => {
  const cases: [string, Route][] = [
    ['', { page: 'overview' }],
    ['#', { page: 'overview' }],
    ['#/', { page: 'overview' }],
    ['#/devices', { page: 'devices', params: {} }],
    ['#/devices/', { page: 'devices', params: {} }],
    ['#/devices/SN-1', { page: 'device', deviceId: 'SN-1' }],
    ['#/devices/plant%2Fline-4%2FSN-9', { page: 'device', deviceId: 'plant/line-4/SN-9' }],
    ['#/endpoints', { page: 'endpoints' }],
    ['#/endpoints/broker-eu-1', { page: 'endpoint', name: 'broker-eu-1' }],
    ['#/alerts', { page: 'alerts' }],
    ['#/trust', { page: 'trust' }],
    ['#/audit', { page: 'audit', params: {} }],
    ['#/devices?state=at_risk&q=SN-0', { page: 'devices', params: { state: 'at_risk', q: 'SN-0' } }],
    ['#/audit?event=cert.revoked', { page: 'audit', params: { event: 'cert.revoked' } }],
  ];
  for (const [hash, route] of cases) assert.deepEqual(parseRoute(hash), route, hash);
});

test('unknown paths, extra segments and bad escapes are not found, never a throw', () => {
  assert.deepEqual(parseRoute('#/nope'), { page: 'not-found', path: '/nope' });
  assert.deepEqual(parseRoute('#/devices/a/b'), { page: 'not-found', path: '/devices/a/b' });
  assert.deepEqual(parseRoute('#/trust/x'), { page: 'not-found', path: '/trust/x' });
  assert.deepEqual(parseRoute('#/devices/%E0%A4%A'), { page: 'not-found', path: '/devices/%E0%A4%A' });
});

test('empty and repeated query parameters: the first non-empty value counts', () => {
  assert.deepEqual(parseRoute('#/devices?state=&q=a&q=b'), { page: 'devices', params: { q: 'a' } });
});

test('routeHash is parseRoute reversed, ids encoded as one segment, parameters sorted', () => {
  const routes: Route[] = [
    { page: 'overview' },
    { page: 'devices', params: {} },
    { page: 'devices', params: { state: 'healthy', q: 'SN 1+2' } },
    { page: 'device', deviceId: 'a/b:c@d+e' },
    { page: 'endpoint', name: 'broker/eu' },
    { page: 'endpoints' },
    { page: 'alerts' },
    { page: 'trust' },
    { page: 'audit', params: { since: '2026-11-01' } },
  ];
  for (const route of routes) assert.deepEqual(parseRoute(routeHash(route)), route, routeHash(route));
  assert.equal(routeHash({ page: 'device', deviceId: 'SN-1' }), '#/devices/SN-1');
  assert.equal(routeHash({ page: 'device', deviceId: 'a/b' }), '#/devices/a%2Fb');
  assert.equal(routeHash({ page: 'devices', params: { state: 'x', q: 'y' } }), '#/devices?q=y&state=x');
  assert.equal(routeHash({ page: 'devices', params: { q: '' } }), '#/devices');
});

test('in-page fragments such as the skip link target are not routes', () => {
  assert.equal(isRouteHash('#main'), false);
  assert.equal(isRouteHash('#/devices'), true);
  assert.equal(isRouteHash(''), true);
});

test('page identity ignores filters but not which device', () => {
  assert.equal(
    pageIdentity({ page: 'devices', params: { state: 'a' } }),
    pageIdentity({ page: 'devices', params: {} }),
  );
  assert.notEqual(
    pageIdentity({ page: 'device', deviceId: 'a' }),
    pageIdentity({ page: 'device', deviceId: 'b' }),
  );
});
