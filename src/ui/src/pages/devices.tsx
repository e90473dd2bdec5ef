// Devices: every device the controller knows, sortable and searchable, with
// its last hour of traffic.
import { useMemo, useState } from 'preact/hooks';

import { api, query } from '../api/client';
import type { Device, HomeTraffic, MudStatus, TrafficPoint } from '../api/types';
import { ErrorText } from '../components/notice';
import { Sparkline } from '../components/sparkline';
import { StateBadge } from '../components/state_badge';
import { displayName, STAGE_TEXT } from '../devices';
import { ago, bytes, time } from '../format';
import { useLoad, useStream, useThrottled } from '../hooks';
import type { Home } from '../home_data';
import { Link, devicePath } from '../router';

type Column = 'name' | 'state' | 'vendor' | 'ips' | 'hostname' | 'mud' | 'stage' | 'agents' | 'first_seen' | 'last_seen' | 'traffic';

const COLUMNS: { key: Column; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'state', label: 'State' },
  { key: 'vendor', label: 'Vendor' },
  { key: 'ips', label: 'Addresses' },
  { key: 'hostname', label: 'Hostname' },
  { key: 'mud', label: 'MUD' },
  { key: 'stage', label: 'Stage' },
  { key: 'agents', label: 'Agents' },
  { key: 'first_seen', label: 'First seen' },
  { key: 'last_seen', label: 'Last seen' },
  { key: 'traffic', label: 'Last hour' },
];

// Sixty minutes of bytes out and in from the steps that had traffic.
function minutes(series: TrafficPoint[], from: number): { out: number[]; inn: number[] } {
  const out = new Array<number>(60).fill(0);
  const inn = new Array<number>(60).fill(0);
  for (const p of series) {
    const i = Math.floor((p.time - from) / 60);
    if (i >= 0 && i < 60) {
      out[i] += p.bytes_out;
      inn[i] += p.bytes_in;
    }
  }
  return { out, inn };
}

export function mudText(m: MudStatus | undefined, d: Device): string {
  if (m) return `${m.verdict}${m.effective_mode ? ` (${m.effective_mode})` : ''}`;
  return d.mud_url ? 'announced' : 'no profile';
}

function vendorText(d: Device): string {
  return d.vendor || (d.vendor_kind === 'locally administered' ? 'random MAC' : d.vendor_kind) || '';
}

export function DevicesPage({ home }: { home: Home }) {
  const [search, setSearch] = useState('');
  const [tentative, setTentative] = useState(false);
  const [sort, setSort] = useState<{ key: Column; up: boolean }>({ key: 'last_seen', up: false });
  const { list, now } = home;
  const mudBy = useMemo(() => new Map((home.mud.data?.devices ?? []).map((m) => [m.device, m])), [home.mud.data]);
  // Every device's last hour in one call; the steps without traffic are
  // left out of the answer and filled in here.
  const traffic = useLoad(async () => {
    const from = Math.floor(now / 60) * 60 - 3600;
    const answer = await api.get<HomeTraffic>(`/traffic${query({ from, to: from + 3600, step: 60 })}`);
    return new Map(answer.devices.map((d) => [d.mac, minutes(d.series, answer.from)]));
  }, [Math.floor(now / 60)]);
  const reloadTraffic = useThrottled(traffic.reload, 30000);
  useStream((m) => {
    if (m.kind === 'traffic' && m.traffic.devices.length) reloadTraffic();
  });
  const total = (mac: string) => {
    const t = traffic.data?.get(mac);
    return t ? t.out.reduce((a, b) => a + b, 0) + t.inn.reduce((a, b) => a + b, 0) : 0;
  };

  const value = (d: Device, key: Column): string | number => {
    switch (key) {
      case 'name':
        return displayName(d).toLowerCase();
      case 'state':
        return home.stateOf(d).label;
      case 'vendor':
        return vendorText(d).toLowerCase();
      case 'ips':
        return d.ips[0] ?? '';
      case 'hostname':
        return d.hostname;
      case 'mud':
        return mudText(mudBy.get(d.mac), d);
      case 'stage':
        return ['none', 'alert', 'restrict', 'quarantine'].indexOf(d.stage);
      case 'agents':
        return d.agents.join(',');
      case 'first_seen':
        return d.first_seen;
      case 'last_seen':
        return d.last_seen;
      case 'traffic':
        return total(d.mac);
    }
  };
  const needle = search.trim().toLowerCase();
  const unconfirmed = list.filter((d) => !d.confirmed).length;
  const shown = list
    .filter((d) => d.confirmed || tentative)
    .filter(
      (d) =>
        !needle ||
        [displayName(d), d.mac, d.hostname, d.vendor, d.vendor_class, d.name, d.notes, ...d.ips, ...d.mdns_names]
          .join(' ')
          .toLowerCase()
          .includes(needle),
    )
    .sort((a, b) => {
      const x = value(a, sort.key);
      const y = value(b, sort.key);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sort.up ? c : -c;
    });

  return (
    <main data-page="devices" class="page">
      <h1>Devices</h1>
      <ErrorText error={home.devices.error || traffic.error} />
      <div class="toolbar">
        <label for="device-search">Search</label>
        <input
          id="device-search"
          type="search"
          placeholder="name, address, vendor…"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
        />
        {unconfirmed > 0 && (
          <label>
            <input type="checkbox" checked={tentative} onChange={(e) => setTentative((e.target as HTMLInputElement).checked)} />{' '}
            show the {unconfirmed} tentative devices (MACs the network gave no address yet)
          </label>
        )}
        <span class="hint" role="status">
          {shown.length} of {list.length} devices
        </span>
      </div>
      <div class="table-wrap">
        <table class="devices-table cards">
          <caption class="sr-only">Devices, sorted by {COLUMNS.find((c) => c.key === sort.key)?.label}</caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={sort.key === c.key ? (sort.up ? 'ascending' : 'descending') : 'none'}
                >
                  <button
                    type="button"
                    class="sort"
                    onClick={() => setSort({ key: c.key, up: sort.key === c.key ? !sort.up : c.key === 'name' })}
                  >
                    {c.label}
                    <span aria-hidden="true">{sort.key === c.key ? (sort.up ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => {
              const t = traffic.data?.get(d.mac);
              return (
                <tr key={d.mac} data-mac={d.mac}>
                  <th scope="row" data-label="Name">
                    <Link href={devicePath(d.mac)}>{displayName(d)}</Link>
                    <div class="mac">{d.mac}</div>
                  </th>
                  <td data-label="State">
                    <StateBadge info={home.stateOf(d)} />
                  </td>
                  <td data-label="Vendor">{vendorText(d) || '—'}</td>
                  <td data-label="Addresses" class="ips">
                    {d.ips.slice(0, 3).join(' ') || '—'}
                    {d.ips.length > 3 ? ` +${d.ips.length - 3}` : ''}
                  </td>
                  <td data-label="Hostname">{d.hostname || '—'}</td>
                  <td data-label="MUD">{mudText(mudBy.get(d.mac), d)}</td>
                  <td data-label="Stage">{STAGE_TEXT[d.stage] ?? d.stage}</td>
                  <td data-label="Agents">{d.agents.join(', ') || '—'}</td>
                  <td data-label="First seen">
                    <time title={time(d.first_seen)}>{time(d.first_seen)}</time>
                  </td>
                  <td data-label="Last seen">
                    <time title={time(d.last_seen)}>{ago(d.last_seen, now)}</time>
                  </td>
                  <td data-label="Last hour">
                    {traffic.data ? (
                      <>
                        <Sparkline
                          out={t?.out ?? []}
                          inn={t?.inn ?? []}
                          label={`Traffic of ${displayName(d)} in the last hour`}
                        />{' '}
                        <span class="total">{bytes(total(d.mac))}</span>
                      </>
                    ) : (
                      '…'
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </main>
  );
}
