// Events: the controller's log, newest first, live; filtered by device and
// type.  Alerts carry their sentence, what SPIN did and an undo.
import { useMemo, useState } from 'preact/hooks';

import { api, query } from '../api/client';
import type { SpinEvent } from '../api/types';
import { EventItem, type EventContext } from '../components/event_item';
import { ErrorText } from '../components/notice';
import { displayName } from '../devices';
import { TYPE_LABELS } from '../events';
import { useLoad, useStream } from '../hooks';
import type { Home } from '../home_data';
import { navigate, useLocation } from '../router';

const PAGE = 300;

// What the feed shows unless asked for more: what SPIN saw and did, and what
// the owner did, not every new destination.
export const IMPORTANT = ['alert', 'decision', 'block', 'unblock', 'mud_violation', 'mud_quarantine', 'user_action', 'device_new'];

// The newest events that match (`types`: none for every type), with the
// decisions that go with the alerts.
export function useEventLog(device: string, types: string[]) {
  const type = types.join(',');
  const [live, setLive] = useState<SpinEvent[]>([]);
  const log = useLoad(async () => {
    setLive([]);
    const [events, decisions] = await Promise.all([
      api.get<{ events: SpinEvent[] }>(`/events${query({ device, type, newest: true, limit: PAGE })}`),
      api.get<{ events: SpinEvent[] }>(`/events${query({ device, type: 'decision', newest: true, limit: PAGE })}`),
    ]);
    return { events: events.events, decisions: decisions.events };
  }, [device, type]);
  useStream((m) => {
    if (m.kind === 'missed') log.reload();
    if (m.kind !== 'event') return;
    const e = m.event;
    if (device && e.device !== device) return;
    if (types.length && !types.includes(e.type) && e.type !== 'decision') return;
    setLive((old) => (old.some((o) => o.id === e.id) ? old : [...old, e]));
  });
  const all = useMemo(() => {
    const seen = new Set<number>();
    const out: SpinEvent[] = [];
    for (const e of [...(log.data?.events ?? []), ...live])
      if (!seen.has(e.id) && (!types.length || types.includes(e.type))) {
        seen.add(e.id);
        out.push(e);
      }
    return out.sort((a, b) => b.id - a.id);
  }, [log.data, live, type]);
  const decisions = useMemo(
    () => [...(log.data?.decisions ?? []), ...live.filter((e) => e.type === 'decision')],
    [log.data, live],
  );
  return { log, events: all, decisions };
}

export function EventsPage({ home }: { home: Home }) {
  const { search } = useLocation();
  const device = search.get('device') ?? '';
  const type = search.get('type') ?? '';
  const types = type === 'all' ? [] : type ? [type] : IMPORTANT;
  const { log, events, decisions } = useEventLog(device, types);
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    const q = next.toString();
    navigate(`/events${q ? `?${q}` : ''}`);
  };
  const ctx: EventContext = {
    nameOf: home.nameOf,
    blocks: home.blocks.data?.blocks ?? [],
    decisions,
    changed: () => {
      home.blocks.reload();
      home.devices.reload();
    },
  };
  return (
    <main data-page="events" class="page">
      <h1>Events</h1>
      <div class="toolbar">
        <label for="event-device">Device</label>
        <select id="event-device" value={device} onChange={(e) => setFilter('device', (e.target as HTMLSelectElement).value)}>
          <option value="">all devices</option>
          {home.list.map((d) => (
            <option key={d.mac} value={d.mac}>
              {displayName(d)}
            </option>
          ))}
        </select>
        <label for="event-type">Type</label>
        <select id="event-type" value={type} onChange={(e) => setFilter('type', (e.target as HTMLSelectElement).value)}>
          <option value="">alerts and actions</option>
          <option value="all">everything</option>
          {Object.entries(TYPE_LABELS).map(([t, label]) => (
            <option key={t} value={t}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <ErrorText error={log.error} />
      <p class="hint" role="status">
        {log.loading ? 'Loading…' : `${events.length} events, newest first${events.length >= PAGE ? ` (the last ${PAGE} and what came since)` : ''}; new ones appear as they happen.`}
      </p>
      <ol class="event-list" aria-label="Events, newest first">
        {events.map((e) => (
          <EventItem key={e.id} event={e} ctx={ctx} />
        ))}
      </ol>
    </main>
  );
}
