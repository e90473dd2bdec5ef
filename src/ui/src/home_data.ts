// What most pages need about the whole home: the devices, the blocks in force
// and each device's MUD verdict, reloaded when the live stream says they
// changed.
import { useMemo } from 'preact/hooks';

import { api } from './api/client';
import type { Block, Device, MudStatus } from './api/types';
import { dataNow, displayName, quarantinedMacs, stateOf, type StateFacts, type StateInfo } from './devices';
import { useLoad, useStream, useThrottled, type Loaded } from './hooks';

const DEVICE_EVENTS = new Set([
  'device_new',
  'device_changed',
  'user_action',
  'decision',
  'alert',
  'mud_assigned',
  'mud_quarantine',
]);
const BLOCK_EVENTS = new Set(['block', 'unblock', 'decision', 'mud_quarantine']);
const MUD_EVENTS = new Set(['mud_assigned', 'mud_profile', 'mud_violation', 'mud_fetch_failed', 'user_action']);

export interface Home {
  devices: Loaded<{ devices: Device[] }>;
  blocks: Loaded<{ blocks: Block[] }>;
  mud: Loaded<{ devices: MudStatus[] }>;
  list: Device[];
  ready: boolean; // the devices were read once (or could not be)
  now: number;
  facts: StateFacts;
  nameOf: (mac: string | undefined) => string;
  stateOf: (d: Device) => StateInfo;
}

export function useHome(): Home {
  const devices = useLoad(() => api.get<{ devices: Device[] }>('/devices'), []);
  const blocks = useLoad(() => api.get<{ blocks: Block[] }>('/blocks'), []);
  const mud = useLoad(() => api.get<{ devices: MudStatus[] }>('/mud'), []);
  const reloadDevices = useThrottled(devices.reload, 1500);
  const reloadBlocks = useThrottled(blocks.reload, 500);
  const reloadMud = useThrottled(mud.reload, 2000);
  useStream((m) => {
    if (m.kind === 'missed') {
      reloadDevices();
      reloadBlocks();
      reloadMud();
      return;
    }
    if (m.kind !== 'event') return;
    if (DEVICE_EVENTS.has(m.event.type)) reloadDevices();
    if (BLOCK_EVENTS.has(m.event.type)) reloadBlocks();
    if (MUD_EVENTS.has(m.event.type)) reloadMud();
  });
  const list = useMemo(() => devices.data?.devices ?? [], [devices.data]);
  const now = useMemo(() => dataNow(list), [list]);
  const facts = useMemo<StateFacts>(
    () => ({
      quarantined: quarantinedMacs(blocks.data?.blocks ?? []),
      violating: new Set((mud.data?.devices ?? []).filter((m) => m.verdict === 'violating').map((m) => m.device)),
      now,
    }),
    [blocks.data, mud.data, now],
  );
  const byMac = useMemo(() => new Map(list.map((d) => [d.mac, d])), [list]);
  const nameOf = (mac: string | undefined) => {
    if (!mac) return 'the network';
    const d = byMac.get(mac);
    return d ? displayName(d) : mac;
  };
  const ready = devices.data !== undefined || devices.error !== '';
  return { devices, blocks, mud, list, ready, now, facts, nameOf, stateOf: (d) => stateOf(d, facts) };
}
