// Home: the live graph of the home's devices and whom they talk to, and what
// SPIN did lately, in sentences.
import { useEffect, useMemo, useState } from 'preact/hooks';

import { api, errorText, query } from '../api/client';
import type { Destination, HomeDestination, HomeDestinations, HomeTraffic, SpinEvent } from '../api/types';
import { ErrorText } from '../components/notice';
import { Graph, type GraphEdge } from '../components/graph';
import { StateBadge } from '../components/state_badge';
import { STATES, displayName } from '../devices';
import { bytes, count, time } from '../format';
import { useLoad, useStream, useThrottled } from '../hooks';
import type { Home } from '../home_data';
import { Link, devicePath } from '../router';

const TOP_REMOTES = 6;
// The graph and the list draw at most this many devices, the busiest first:
// a device that makes up MACs by the thousand must not bury the home.
const MAX_DRAWN = 40;
const SUMMARY_LIMIT = 10000;
const WINDOWS = { hour: 3600, day: 86400 } as const;
type Span = keyof typeof WINDOWS;

// A destination's name: the first DNS name this device resolved for it,
// else its address (and "*" rows, a scan's many addresses, say so).
export function remoteName(d: Pick<Destination, 'names' | 'remote_ip'>): string {
  if (d.remote_ip === '*') return 'many addresses (a scan)';
  return d.names[0] ?? d.remote_ip;
}

// Per device, its remotes by name with their bytes both ways, largest first.
function edgesOf(mac: string, list: HomeDestination[]): GraphEdge[] {
  const byName = new Map<string, number>();
  for (const d of list) byName.set(remoteName(d), (byName.get(remoteName(d)) ?? 0) + d.bytes_out + d.bytes_in);
  return [...byName.entries()]
    .map(([remote, b]) => ({ mac, remote, bytes: b }))
    .filter((e) => e.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

interface Summary {
  blocked: { mac: string; pkts: number }[];
  newDevices: number;
  violations: number;
  alerts: SpinEvent[];
  capped: boolean; // the day had more events than one answer holds
}

// One call for the day's events that matter, one for every device's blocked
// packets, however many devices there are.
async function loadSummary(now: number): Promise<Summary> {
  const from = Math.floor(now - 86400);
  const [events, traffic] = await Promise.all([
    api.get<{ events: SpinEvent[] }>(
      `/events${query({ from, type: 'device_new,mud_violation,alert', newest: true, limit: SUMMARY_LIMIT })}`,
    ),
    api.get<HomeTraffic>(`/traffic${query({ from, to: Math.ceil(now) + 60, step: 3600 })}`),
  ]);
  const of = (type: string) => events.events.filter((e) => e.type === type);
  return {
    blocked: traffic.devices
      .map((d) => ({ mac: d.mac, pkts: d.series.reduce((a, p) => a + p.blocked_pkts, 0) }))
      .filter((b) => b.pkts > 0)
      .sort((a, b) => b.pkts - a.pkts),
    newDevices: of('device_new').length,
    violations: of('mud_violation').length,
    alerts: of('alert'),
    capped: events.events.length >= SUMMARY_LIMIT,
  };
}

function SummaryText({ summary, nameOf }: { summary: Summary; nameOf: (mac: string) => string }) {
  const parts: string[] = [];
  for (const b of summary.blocked.slice(0, 3)) parts.push(`blocked ${count(b.pkts)} packets from ${nameOf(b.mac)}`);
  const plural = (n: number, one: string) => `${count(n)} ${one}${n === 1 ? '' : 's'}`;
  if (summary.newDevices) parts.push(`saw ${plural(summary.newDevices, 'new device')}`);
  if (summary.violations) parts.push(`recorded ${plural(summary.violations, 'MUD violation')}`);
  if (summary.alerts.length) parts.push(`raised ${plural(summary.alerts.length, 'alert')}`);
  const sentence = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0];
  return (
    <section class="summary" aria-labelledby="summary-title">
      <h2 id="summary-title">In the last day</h2>
      <p class="summary-line">
        {sentence ? `SPIN ${sentence}.` : 'Nothing to report: no blocks, alerts or new devices.'}
        {summary.capped ? ` (More than ${count(SUMMARY_LIMIT)} events: the counts are of the newest.)` : ''}
      </p>
      {summary.alerts.length > 0 && (
        <ul class="alert-list">
          {summary.alerts.slice(-5).reverse().map((a) => (
            <li key={a.id}>
              <span class="badge state-alerting">
                <span aria-hidden="true">{STATES.alerting.symbol}</span> {typeof a.detector === 'string' ? a.detector : 'alert'}
              </span>{' '}
              <Link href={devicePath(a.device ?? '')}>{nameOf(a.device ?? '')}</Link>:{' '}
              {typeof a.message === 'string' ? a.message : ''} <time>{time(a.time)}</time>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link href="/events">All events</Link>
      </p>
    </section>
  );
}

export function HomePage({ home }: { home: Home }) {
  const [span, setSpan] = useState<Span>('hour');
  const [edges, setEdges] = useState<Map<string, GraphEdge[]>>(new Map());
  const [rates, setRates] = useState<Map<string, number>>(new Map());
  const [error, setError] = useState('');
  const { list, now } = home;
  const macs = useMemo(() => list.map((d) => d.mac).join(','), [list]);

  // Every device's largest remotes in one call, again when the stream says
  // devices sent something or met someone new (at most every 10 s).
  const load = async () => {
    const from = Math.floor(now - WINDOWS[span]);
    try {
      const answer = await api.get<HomeDestinations>(`/destinations${query({ from, top: TOP_REMOTES })}`);
      setEdges(new Map(answer.devices.map((d) => [d.mac, edgesOf(d.mac, d.destinations)])));
      setError('');
    } catch (e) {
      setError(`Whom the devices talk to could not be read: ${errorText(e)}`);
    }
  };
  useEffect(() => {
    if (list.length) void load();
  }, [macs, span, Math.floor(now / 60)]);
  const refresh = useThrottled(() => void load(), 10000);
  useStream((m) => {
    if (m.kind === 'traffic') {
      const next = new Map<string, number>();
      for (const d of m.traffic.devices)
        next.set(d.mac, (d.bytes_out + d.bytes_in) / Math.max(1, m.traffic.interval));
      setRates(next);
      if (m.traffic.devices.some((d) => d.bytes_out + d.bytes_in > 0)) refresh();
    } else if (m.kind === 'event' && m.event.type === 'destination_new') {
      refresh();
    }
  });

  const summary = useLoad(() => loadSummary(now), [Math.floor(now / 60)]);
  const reloadSummary = useThrottled(summary.reload, 5000);
  useStream((m) => {
    if (m.kind === 'event' && ['alert', 'decision', 'block', 'device_new', 'mud_violation'].includes(m.event.type))
      reloadSummary();
  });

  // The busiest devices first (by the bytes of their edges), then the rest
  // by when they were last seen; at most MAX_DRAWN.
  const drawn = useMemo(() => {
    const volume = (mac: string) => (edges.get(mac) ?? []).reduce((a, e) => a + e.bytes, 0);
    return [...list]
      .sort((a, b) => volume(b.mac) - volume(a.mac) || b.last_seen - a.last_seen)
      .slice(0, MAX_DRAWN);
  }, [list, edges]);
  const graphDevices = useMemo(
    () => drawn.map((d) => ({ mac: d.mac, name: displayName(d), state: home.stateOf(d), rate: rates.get(d.mac) ?? 0 })),
    [drawn, home.facts, rates],
  );
  const graphEdges = useMemo(
    () => drawn.flatMap((d) => (edges.get(d.mac) ?? []).slice(0, TOP_REMOTES)),
    [drawn, edges],
  );
  const stale = Date.now() / 1000 - now > 600;

  return (
    <main data-page="home" class="page">
      <h1>Your home</h1>
      {stale && <p class="hint">The newest data is from {time(now)}: the picture shows the time up to then.</p>}
      <ErrorText error={home.devices.error || error} />
      {summary.data && <SummaryText summary={summary.data} nameOf={home.nameOf} />}
      <section aria-labelledby="graph-title" class="graph-section">
        <div class="section-head">
          <h2 id="graph-title">Who talks to whom</h2>
          <fieldset class="segmented">
            <legend class="sr-only">Traffic of the last</legend>
            {(Object.keys(WINDOWS) as Span[]).map((w) => (
              <label key={w}>
                <input type="radio" name="window" value={w} checked={span === w} onChange={() => setSpan(w)} /> last {w}
              </label>
            ))}
          </fieldset>
        </div>
        {list.length === 0 && !home.devices.loading ? (
          <p>No device has been seen yet.</p>
        ) : (
          <Graph devices={graphDevices} edges={graphEdges} label={`The home's ${drawn.length} busiest devices and the services they talked to in the last ${span}`} />
        )}
        <Legend />
      </section>
      <section aria-labelledby="list-title">
        <h2 id="list-title">What each device does</h2>
        <ul class="device-summaries">
          {drawn.map((d) => {
            const mine = edges.get(d.mac) ?? [];
            return (
              <li key={d.mac} data-mac={d.mac}>
                <Link href={devicePath(d.mac)}>{displayName(d)}</Link> <StateBadge info={home.stateOf(d)} />
                {mine.length ? (
                  <span class="talks">
                    {' '}
                    talked to{' '}
                    {mine.slice(0, TOP_REMOTES).map((e, i) => (
                      <span key={e.remote}>
                        {i ? ', ' : ''}
                        <b>{e.remote}</b> ({bytes(e.bytes)})
                      </span>
                    ))}
                  </span>
                ) : (
                  <span class="talks"> no traffic in the last {span}</span>
                )}
              </li>
            );
          })}
        </ul>
        {list.length > drawn.length && (
          <p class="hint">
            {count(list.length - drawn.length)} quieter devices are not drawn: <Link href="/devices">Devices</Link> lists
            them all.
          </p>
        )}
      </section>
    </main>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="What the colours and symbols mean">
      {Object.values(STATES).map((s) => (
        <li key={s.state}>
          <StateBadge info={s} /> {s.description}
        </li>
      ))}
      <li>
        <span class="legend-remote" aria-hidden="true" /> a remote service, by the name the device looked up
      </li>
    </ul>
  );
}
