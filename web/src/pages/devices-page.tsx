import { useEffect, useRef, useState } from 'preact/hooks';
import { apiPath } from '../api-path.js';
import { type Device, FLEET_STATES, type Issuer, type Page } from '../api-types.js';
import { LoadStatus } from '../components/load-status.js';
import { PageHeading } from '../components/page-heading.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { StateBadge } from '../components/state-badge.js';
import { TableScroll } from '../components/table-scroll.js';
import { TimeText } from '../components/time-text.js';
import {
  DEVICE_PAGE_SIZES,
  type DeviceFilter,
  deviceFilterOf,
  deviceFilterParams,
  deviceQuery,
  EXPIRING_WITHIN_CHOICES,
  isFiltered,
} from '../device-filter.js';
import { formatSeconds } from '../format.js';
import { deviceHash, type RouteParams } from '../hash-route.js';
import { useOperator } from '../operator-context.js';
import { usePolling } from '../use-polling.js';
import { navigate } from '../use-route.js';

const SEARCH_DELAY_MS = 300;

/**
 * Product lines seen in this tab's device lists, for the filter's choices. The API has no list of product
 * lines (it would be a scan of the devices table); the lines of the devices shown so far are a fair start,
 * and a line from a link is always offered.
 */
const seenProductLines = new Set<string>();

/**
 * The fleet's devices, a page at a time (keyset pages from the API, fast at any fleet size), filtered by id
 * prefix, state, product line, issuer and expiry. The filters live in the fragment, so they survive a
 * reload and can be linked.
 */
export function DevicesPage({ params }: { params: RouteParams }) {
  const { api } = useOperator();
  const filter = deviceFilterOf(params);
  const filterKey = JSON.stringify(deviceFilterParams(filter));
  const pages = useCursorPages(filterKey);
  const devices = usePolling(
    (signal) => api.get<Page<Device>>(apiPath('/devices', deviceQuery(filter, pages.cursor)), signal),
    [api, filterKey, pages.cursor],
  );
  const issuers = usePolling(
    (signal) => api.get<Page<Issuer>>(apiPath('/issuers', { limit: 500 }), signal),
    [api],
  );

  for (const device of devices.data?.items ?? []) {
    if (device.productLine !== null) seenProductLines.add(device.productLine);
  }
  const productLines = new Set(seenProductLines);
  if (filter.productLine !== undefined) productLines.add(filter.productLine);
  const issuerIds = new Set((issuers.data?.items ?? []).map((issuer) => issuer.id));
  if (filter.issuerId !== undefined) issuerIds.add(filter.issuerId);

  const change = (changes: Partial<DeviceFilter>) =>
    navigate({ page: 'devices', params: deviceFilterParams({ ...filter, ...changes }) }, { replace: true });
  const items = devices.data?.items;

  return (
    <>
      <PageHeading title="Devices" />
      <form
        class="filters"
        role="search"
        aria-label="Filter devices"
        onSubmit={(event) => event.preventDefault()}
      >
        <SearchField value={filter.q ?? ''} onSearch={(q) => change({ q: q === '' ? undefined : q })} />
        <div class="field">
          <label for="filter-state">State</label>
          <select
            id="filter-state"
            value={filter.state ?? ''}
            onChange={(event) => {
              const value = event.currentTarget.value;
              change({ state: value === '' ? undefined : deviceFilterOf({ state: value }).state });
            }}
          >
            <option value="">Any state</option>
            {FLEET_STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-product-line">Product line</label>
          <select
            id="filter-product-line"
            value={filter.productLine ?? ''}
            onChange={(event) => {
              const value = event.currentTarget.value;
              change({ productLine: value === '' ? undefined : value });
            }}
          >
            <option value="">Any product line</option>
            {[...productLines].sort().map((line) => (
              <option key={line} value={line}>
                {line}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-issuer">Issuer</label>
          <select
            id="filter-issuer"
            value={filter.issuerId ?? ''}
            onChange={(event) => {
              const value = event.currentTarget.value;
              change({ issuerId: value === '' ? undefined : value });
            }}
          >
            <option value="">Any issuer</option>
            {[...issuerIds].map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-expiring">Expiring within</label>
          <select
            id="filter-expiring"
            value={filter.expiringWithinSeconds === undefined ? '' : String(filter.expiringWithinSeconds)}
            onChange={(event) => {
              const value = Number(event.currentTarget.value);
              change({ expiringWithinSeconds: value > 0 ? value : undefined });
            }}
          >
            <option value="">Any time</option>
            {(filter.expiringWithinSeconds === undefined ||
            EXPIRING_WITHIN_CHOICES.includes(filter.expiringWithinSeconds)
              ? EXPIRING_WITHIN_CHOICES
              : [...EXPIRING_WITHIN_CHOICES, filter.expiringWithinSeconds].sort((a, b) => a - b)
            ).map((seconds) => (
              <option key={seconds} value={String(seconds)}>
                {formatSeconds(seconds)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-page-size">Rows per page</label>
          <select
            id="filter-page-size"
            value={String(filter.limit)}
            onChange={(event) => change({ limit: Number(event.currentTarget.value) })}
          >
            {DEVICE_PAGE_SIZES.map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
        </div>
        {isFiltered(filter) ? (
          <button
            type="button"
            class="link-button"
            onClick={() => navigate({ page: 'devices', params: {} }, { replace: true })}
          >
            Clear filters
          </button>
        ) : null}
      </form>

      {items === undefined ? null : items.length === 0 ? (
        <p>{isFiltered(filter) ? 'No device matches these filters.' : 'The fleet has no devices yet.'}</p>
      ) : (
        <TableScroll label="Devices">
          <table class="devices" aria-busy={devices.loading}>
            <caption class="visually-hidden">
              Devices, page {pages.pageNumber}
              {isFiltered(filter) ? ', filtered' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">State</th>
                <th scope="col">Product line</th>
                <th scope="col">Certificate expires</th>
                <th scope="col">Last success</th>
                <th scope="col" class="number">
                  Failures
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((device) => (
                <tr key={device.id} data-device-id={device.id}>
                  <th scope="row">
                    <a href={deviceHash(device.id)}>{device.id}</a>
                  </th>
                  <td>
                    <StateBadge state={device.state} />
                  </td>
                  <td>{device.productLine ?? <span class="muted">—</span>}</td>
                  <td>
                    <TimeText iso={device.certificateInUse?.notAfter ?? null} dateOnly />
                  </td>
                  <td>
                    <TimeText iso={device.lastSuccessAt} />
                  </td>
                  <td class="number">{device.consecutiveFailures}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pager pages={pages} next={devices.data?.next} label="Device pages" />
      <LoadStatus polled={devices} />
    </>
  );
}

/**
 * The id-prefix search: applied as the operator types (after a short pause, so each keystroke is not a
 * request) and at once on Enter. Keeps its own text, so a refresh or a late answer never overwrites a
 * keystroke.
 */
function SearchField({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  const sent = useRef(value);
  const timer = useRef<number | undefined>(undefined);
  // The timer calls the latest handler: the filters may have changed while it waited.
  const latestOnSearch = useRef(onSearch);
  latestOnSearch.current = onSearch;

  useEffect(() => {
    // The filter changed from outside (Clear filters, a link): show it, unless it is what we sent.
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const send = (q: string) => {
    window.clearTimeout(timer.current);
    sent.current = q;
    latestOnSearch.current(q);
  };

  return (
    <div class="field search">
      <label for="device-search">Search devices</label>
      <input
        id="device-search"
        type="search"
        placeholder="Device id prefix"
        autoComplete="off"
        spellcheck={false}
        value={text}
        onInput={(event) => {
          const q = event.currentTarget.value.trim();
          setText(event.currentTarget.value);
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => send(q), SEARCH_DELAY_MS);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            send(event.currentTarget.value.trim());
          }
        }}
      />
    </div>
  );
}
