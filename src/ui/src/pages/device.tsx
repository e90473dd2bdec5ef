// One device: who it is, its traffic and destinations over a range, what it
// did against its MUD profile, its events, and what the owner can do about
// it (quarantine, block a destination, exempt, MUD).
import { useMemo, useState } from 'preact/hooks';

import { useAction } from '../action';
import { api, errorText, query } from '../api/client';
import type { Block, Destinations, Device, Override, Traffic } from '../api/types';
import { EventItem, type EventContext } from '../components/event_item';
import { ErrorText, Notice } from '../components/notice';
import { StateBadge } from '../components/state_badge';
import { TrafficChart } from '../components/traffic_chart';
import { STAGE_TEXT, displayName } from '../devices';
import { expiryText } from '../events';
import { bytes, count, packets, service, time } from '../format';
import { useLoad, useStream, useThrottled } from '../hooks';
import type { Home } from '../home_data';
import { AckList, blockWhat } from './blocks';
import { MudSection } from './device_mud';
import { IMPORTANT, useEventLog } from './events';
import { remoteName } from './home';

// Ranges and the step of the chart for each: minute buckets for an hour or a
// day, hour buckets for a week or a month, day buckets for a year.
const RANGES = [
  { key: 'hour', label: 'hour', seconds: 3600, step: 60 },
  { key: 'day', label: 'day', seconds: 86400, step: 600 },
  { key: 'week', label: 'week', seconds: 7 * 86400, step: 3600 },
  { key: 'month', label: '30 days', seconds: 30 * 86400, step: 6 * 3600 },
  { key: 'year', label: 'year', seconds: 365 * 86400, step: 86400 },
] as const;

const DURATIONS = [
  { label: 'until I lift it', seconds: 0 },
  { label: 'for an hour', seconds: 3600 },
  { label: 'for a day', seconds: 86400 },
  { label: 'for a week', seconds: 7 * 86400 },
];

const DETECTORS = ['*', 'mirai_scan', 'scan', 'syn_flood', 'udp_flood', 'icmp_flood', 'ack_flood', 'dns_water_torture', 'volume', 'profile'];

function looksLikeAddress(text: string): boolean {
  return /^[0-9.]+(\/\d+)?$/.test(text) || (text.includes(':') && /^[0-9a-fA-F:.]+(\/\d+)?$/.test(text));
}

function Fact({ label, value }: { label: string; value: string | undefined }) {
  if (!value) return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

export function DevicePage({ home, mac }: { home: Home; mac: string }) {
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[1]);
  const [allDestinations, setAllDestinations] = useState(false);
  const [eventsShown, setEventsShown] = useState(15);
  const device = useLoad(() => api.get<Device>(`/devices/${mac}`), [mac]);
  const blocks = useLoad(() => api.get<{ blocks: Block[] }>('/blocks'), [mac]);
  const overrides = useLoad(() => api.get<{ overrides: Override[] }>(`/overrides${query({ device: mac })}`), [mac]);
  const now = home.now;
  const from = Math.floor(now - range.seconds);
  const traffic = useLoad(
    () => api.get<Traffic>(`/devices/${mac}/traffic${query({ from, to: Math.ceil(now / 60) * 60, step: range.step })}`),
    [mac, range, Math.floor(now / 60)],
  );
  const destinations = useLoad(() => api.get<Destinations>(`/devices/${mac}/destinations${query({ from })}`), [mac, range, Math.floor(now / 60)]);
  const [everything, setEverything] = useState(false);
  const { events, decisions, log } = useEventLog(mac, everything ? [] : IMPORTANT);

  const reloadDevice = useThrottled(device.reload, 1000);
  const reloadBlocks = useThrottled(() => {
    blocks.reload();
    overrides.reload();
  }, 300);
  const reloadTraffic = useThrottled(() => {
    traffic.reload();
    destinations.reload();
  }, 15000);
  useStream((m) => {
    if (m.kind === 'traffic' && m.traffic.devices.some((d) => d.mac === mac)) reloadTraffic();
    if (m.kind !== 'event') return;
    if (m.event.device === mac) reloadDevice();
    if (['block', 'unblock', 'decision', 'user_action'].includes(m.event.type)) reloadBlocks();
  });

  const mine = useMemo(() => (blocks.data?.blocks ?? []).filter((b) => b.mac === mac && b.active), [blocks.data, mac]);
  const quarantine = mine.filter((b) => b.type === 'quarantine');

  // After an action, or an undo in its events: read again what it changed.
  const reloadAll = () => {
    blocks.reload();
    overrides.reload();
    device.reload();
    home.blocks.reload();
    home.devices.reload();
  };
  const { notice, setNotice, run: act } = useAction('Asking the agents…', reloadAll);

  const acks = (b: unknown) => {
    const agents = (b as Block).agents ?? [];
    return agents.length ? agents.map((a) => `${a.agent} ${a.state.replace(/_/g, ' ')}`).join(', ') : 'no agent';
  };

  if (device.error) {
    const missing = device.error.startsWith('no device');
    return (
      <main data-page="device" class="page">
        <h1>{missing ? 'No such device' : 'Device'}</h1>
        <ErrorText error={missing ? `SPIN has not seen ${mac}.` : device.error} />
      </main>
    );
  }
  const d = device.data;
  if (!d)
    return (
      <main data-page="device" class="page">
        <h1>Device</h1>
        <p>Loading…</p>
      </main>
    );
  const name = displayName(d);
  // An undo in an event says itself what it did.
  const ctx: EventContext = {
    nameOf: home.nameOf,
    blocks: blocks.data?.blocks ?? [],
    decisions,
    changed: reloadAll,
  };
  const totals = (traffic.data?.series ?? []).reduce(
    (t, p) => ({ out: t.out + p.bytes_out, inn: t.inn + p.bytes_in, blocked: t.blocked + p.blocked_pkts }),
    { out: 0, inn: 0, blocked: 0 },
  );

  return (
    <main data-page="device" class="page" data-mac={mac}>
      <div class="device-head">
        <h1>
          {name} <StateBadge info={home.stateOf(d)} />
        </h1>
        <p class="mac">
          {d.mac} · stage: {STAGE_TEXT[d.stage] ?? d.stage}
        </p>
        <div class="primary-actions">
          {quarantine.length === 0 ? (
            <button
              type="button"
              class="danger"
              data-action="quarantine"
              onClick={() =>
                void act(
                  () => api.post<Block>('/blocks', { mac, type: 'quarantine', reason: 'quarantined from the web page' }),
                  (b) => `${name} is quarantined (${acks(b)}).`,
                )
              }
            >
              <span aria-hidden="true">✖</span> Quarantine
            </button>
          ) : (
            <button
              type="button"
              data-action="unblock"
              onClick={() =>
                void act(
                  async () => {
                    let last: unknown;
                    for (const b of quarantine) last = await api.delete<Block>(`/blocks/${b.id}`);
                    return last;
                  },
                  (b) => `${name} is released (${acks(b)}).`,
                )
              }
            >
              <span aria-hidden="true">↺</span> Unblock
            </button>
          )}
        </div>
        <Notice notice={notice} />
      </div>

      <div class="device-grid">
        <Identity device={d} onSaved={(text) => { setNotice({ kind: 'ok', text }); device.reload(); home.devices.reload(); }} />

        <Controls mac={mac} name={name} blocks={mine} overrides={overrides.data?.overrides ?? []} act={act} acks={acks} now={Date.now() / 1000} />

        <section aria-labelledby="traffic-title" class="card wide">
          <div class="section-head">
            <h2 id="traffic-title">Traffic</h2>
            <fieldset class="segmented">
              <legend class="sr-only">Range</legend>
              {RANGES.map((r) => (
                <label key={r.key}>
                  <input type="radio" name="range" value={r.key} checked={range.key === r.key} onChange={() => setRange(r)} /> {r.label}
                </label>
              ))}
            </fieldset>
          </div>
          <ErrorText error={traffic.error} />
          <p class="hint">
            Last {range.label} up to {time(now)}: {bytes(totals.out)} out, {bytes(totals.inn)} in
            {totals.blocked ? `, ${packets(totals.blocked)} blocked` : ''}
            {traffic.data ? ` (${traffic.data.level} buckets)` : ''}.
          </p>
          {traffic.data && (
            <TrafficChart series={traffic.data.series} step={traffic.data.step} label={`Traffic of ${name} in the last ${range.label}, bytes per second out and in`} />
          )}
        </section>

        <section aria-labelledby="dest-title" class="card wide">
          <h2 id="dest-title">Destinations</h2>
          <ErrorText error={destinations.error} />
          {destinations.data && destinations.data.destinations.length === 0 && <p>No traffic in the last {range.label}.</p>}
          {destinations.data && destinations.data.destinations.length > 0 && (
            <div class="table-wrap">
              <table class="cards destinations">
                <caption class="sr-only">Whom {name} talked to in the last {range.label}, largest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Address</th>
                    <th scope="col">Service</th>
                    <th scope="col" class="num">Out</th>
                    <th scope="col" class="num">In</th>
                    <th scope="col" class="num">Packets out / in</th>
                    <th scope="col" class="num">Flows</th>
                    <th scope="col" class="num">Blocked</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {destinations.data.destinations.slice(0, allDestinations ? undefined : 15).map((x) => {
                    const target = x.names[0] ?? x.remote_ip;
                    return (
                      <tr
                        key={`${x.remote_ip}/${x.proto}/${x.remote_port}`}
                        data-remote={x.remote_ip}
                        data-service={`${x.proto}/${x.remote_port}`}
                        data-bytes-out={x.bytes_out}
                        data-bytes-in={x.bytes_in}
                      >
                        <th scope="row" data-label="Name">{remoteName(x)}{x.names.length > 1 ? ` (+${x.names.length - 1})` : ''}</th>
                        <td data-label="Address" class="ips">{x.remote_ip}</td>
                        <td data-label="Service">{service(x.proto, x.remote_port)}</td>
                        <td data-label="Out" class="num">{bytes(x.bytes_out)}</td>
                        <td data-label="In" class="num">{bytes(x.bytes_in)}</td>
                        <td data-label="Packets out / in" class="num">{count(x.pkts_out)} / {count(x.pkts_in)}</td>
                        <td data-label="Flows" class="num">{count(x.flows)}</td>
                        <td data-label="Blocked" class="num">{count(x.blocked_pkts)}</td>
                        <td data-label="Actions">
                          {x.remote_ip !== '*' && (
                            <button
                              type="button"
                              data-action="block-destination"
                              onClick={() =>
                                void act(
                                  () =>
                                    api.post<Block>('/blocks', x.names[0]
                                      ? { mac, type: 'device_name', domain: x.names[0], reason: 'from the web page' }
                                      : { mac, type: 'device_remote', remote: x.remote_ip, reason: 'from the web page' }),
                                  (b) => `${name} is blocked from ${target} (${acks(b)}).`,
                                )
                              }
                            >
                              Block {target.length > 24 ? 'it' : target}
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {destinations.data && destinations.data.destinations.length > 15 && (
            <button type="button" onClick={() => setAllDestinations(!allDestinations)}>
              {allDestinations ? 'Show the largest 15' : `Show all ${destinations.data.destinations.length}`}
            </button>
          )}
        </section>

        <section aria-labelledby="events-title" class="card wide">
          <div class="section-head">
            <h2 id="events-title">Events</h2>
            <label>
              <input type="checkbox" checked={everything} onChange={(e) => setEverything((e.target as HTMLInputElement).checked)} /> every
              event, not only alerts and actions
            </label>
          </div>
          <ErrorText error={log.error} />
          {events.length === 0 && !log.loading && <p>No events.</p>}
          <ol class="event-list">
            {events.slice(0, eventsShown).map((e) => (
              <EventItem key={e.id} event={e} ctx={ctx} />
            ))}
          </ol>
          {events.length > eventsShown && (
            <button type="button" onClick={() => setEventsShown(eventsShown + 50)}>
              Show older events ({events.length - eventsShown} more)
            </button>
          )}
        </section>

        <MudSection device={d} />
      </div>
    </main>
  );
}

function Identity({ device: d, onSaved }: { device: Device; onSaved: (text: string) => void }) {
  const [name, setName] = useState(d.name);
  const [notes, setNotes] = useState(d.notes);
  const [error, setError] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await api.patch(`/devices/${d.mac}`, { name, notes });
      setError('');
      onSaved('Saved.');
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section aria-labelledby="identity-title" class="card">
      <h2 id="identity-title">Who it is</h2>
      <dl class="facts">
        <Fact label="MAC" value={d.mac} />
        <Fact label="Vendor" value={d.vendor ? d.vendor : d.vendor_kind} />
        <Fact label="Hostname" value={d.hostname} />
        <Fact label="DHCP vendor class" value={d.vendor_class} />
        <Fact label="DHCP fingerprint" value={d.dhcp_fingerprint} />
        <Fact label="DHCP client id" value={d.client_id} />
        <Fact label="DHCPv6 DUID" value={d.duid} />
        <Fact label="FQDN" value={d.fqdn} />
        <Fact label="mDNS names" value={d.mdns_names.join(', ')} />
        <Fact label="Services" value={d.services.join(', ')} />
        <Fact label="SSDP" value={[d.ssdp.server, ...d.ssdp.types].filter(Boolean).join(', ')} />
        <Fact label="LLDP name" value={d.lldp_system_name} />
        <Fact label="MUD URL" value={d.mud_url} />
        <Fact label="Seen by" value={d.agents.join(', ')} />
        <Fact label="First seen" value={time(d.first_seen)} />
        <Fact label="Last seen" value={time(d.last_seen)} />
        <Fact label="Confirmed" value={d.confirmed ? 'yes' : 'not yet (tentative)'} />
      </dl>
      <h3>Addresses</h3>
      <ul class="addresses">
        {d.addresses.map((a) => (
          <li key={a.ip}>
            <code>{a.ip}</code> <span class="hint">via {a.via.join(', ')}, last {time(a.last_seen)}</span>
          </li>
        ))}
      </ul>
      <form class="stacked" onSubmit={(e) => void save(e)}>
        <label for="device-name">Your name for it</label>
        <input id="device-name" maxLength={256} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="device-notes">Notes</label>
        <textarea id="device-notes" maxLength={4096} rows={3} value={notes} onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" data-action="save-identity">
          Save
        </button>
        {error && <p class="notice notice-error" role="alert">{error}</p>}
      </form>
    </section>
  );
}

function Controls(props: {
  mac: string;
  name: string;
  blocks: Block[];
  overrides: Override[];
  now: number;
  act: (what: () => Promise<unknown>, ok: (answer: unknown) => string) => Promise<void>;
  acks: (b: unknown) => string;
}) {
  const { mac, name, act, acks, now } = props;
  const [target, setTarget] = useState('');
  const [blockFor, setBlockFor] = useState(0);
  const [detector, setDetector] = useState('*');
  const [allowFor, setAllowFor] = useState(0);
  const blockDestination = (e: Event) => {
    e.preventDefault();
    const t = target.trim();
    const body: Record<string, unknown> = looksLikeAddress(t)
      ? { mac, type: 'device_remote', remote: t }
      : { mac, type: 'device_name', domain: t };
    if (blockFor) body.duration = blockFor;
    body.reason = 'from the web page';
    void act(() => api.post<Block>('/blocks', body), (b) => `${name} is blocked from ${t} (${acks(b)}).`);
  };
  const allow = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { device: mac, action: 'allow', detector, reason: 'from the web page' };
    if (allowFor) body.duration = allowFor;
    void act(
      () => api.post('/overrides', body),
      () => `${name} is exempt from ${detector === '*' ? 'every detector' : detector}${allowFor ? ` ${DURATIONS.find((x) => x.seconds === allowFor)?.label ?? ''}` : ''}.`,
    );
  };
  return (
    <section aria-labelledby="controls-title" class="card">
      <h2 id="controls-title">Blocks and exemptions</h2>
      {props.blocks.length === 0 ? (
        <p>Nothing of it is blocked.</p>
      ) : (
        <ul class="blocks-list">
          {props.blocks.map((b) => (
            <li key={b.id} data-block={b.id}>
              Blocks {blockWhat(b)} {expiryText(b.expires, now)}
              {b.reason ? ` (${b.reason})` : ''}. <AckList agents={b.agents} />
              <button
                type="button"
                data-action={b.type === 'quarantine' ? 'unblock' : 'unblock-destination'}
                onClick={() => void act(() => api.delete(`/blocks/${b.id}`), (x) => `Lifted (${acks(x)}).`)}
              >
                Lift
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="stacked" onSubmit={blockDestination}>
        <label for="block-target">Block a destination (address, prefix or name, *.name for all under it)</label>
        <input id="block-target" required placeholder="tracker.example or 203.0.113.7" value={target} onInput={(e) => setTarget((e.target as HTMLInputElement).value)} />
        <label for="block-for">How long</label>
        <select id="block-for" value={blockFor} onChange={(e) => setBlockFor(Number((e.target as HTMLSelectElement).value))}>
          {DURATIONS.map((x) => (
            <option key={x.seconds} value={x.seconds}>
              {x.label}
            </option>
          ))}
        </select>
        <button type="submit" data-action="block-target">
          Block
        </button>
      </form>
      <form class="stacked" onSubmit={allow}>
        <label for="allow-detector">Exempt it from a detector (alerts are still written; nothing is done about them)</label>
        <select id="allow-detector" value={detector} onChange={(e) => setDetector((e.target as HTMLSelectElement).value)}>
          {DETECTORS.map((x) => (
            <option key={x} value={x}>
              {x === '*' ? 'every detector' : x.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
        <label for="allow-for">How long</label>
        <select id="allow-for" value={allowFor} onChange={(e) => setAllowFor(Number((e.target as HTMLSelectElement).value))}>
          {DURATIONS.map((x) => (
            <option key={x.seconds} value={x.seconds}>
              {x.label}
            </option>
          ))}
        </select>
        <button type="submit" data-action="allow">
          Exempt
        </button>
      </form>
      {props.overrides.length > 0 && (
        <>
          <h3>Overrides in force</h3>
          <ul class="overrides">
            {props.overrides.map((o) => (
              <li key={o.id} data-override={o.id}>
                {o.action === 'allow' ? `exempt from ${o.detector === '*' ? 'every detector' : o.detector}` : `held at ${o.stage ?? ''}`}{' '}
                {expiryText(o.expires, now)}{' '}
                <button type="button" data-action="remove-override" onClick={() => void act(() => api.delete(`/overrides/${o.id}`), () => 'Override removed.')}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
