// What the page says about a device: its name and its state.  A state is
// always shown as a word and a symbol as well as a colour (docs/ui.md,
// "Colours"), so no one needs to tell the colours apart.
import type { Block, Device, Stage } from './api/types';

export function displayName(d: Pick<Device, 'name' | 'hostname' | 'mdns_names' | 'lldp_system_name' | 'mac' | 'fqdn'>): string {
  return (
    d.name ||
    d.hostname ||
    d.mdns_names[0]?.replace(/\.local\.?$/, '') ||
    d.fqdn ||
    d.lldp_system_name ||
    d.mac
  );
}

export type DeviceState = 'blocked' | 'alerting' | 'violating' | 'new' | 'ok';

export interface StateInfo {
  state: DeviceState;
  label: string;
  symbol: string;
  description: string;
}

export const STATES: Record<DeviceState, StateInfo> = {
  blocked: { state: 'blocked', label: 'blocked', symbol: '✖', description: 'quarantined: SPIN drops all its traffic' },
  alerting: { state: 'alerting', label: 'alert', symbol: '⚠', description: 'a detector raised an alert about it' },
  violating: { state: 'violating', label: 'MUD violation', symbol: '✗', description: 'it did what its MUD profile does not allow' },
  new: { state: 'new', label: 'new', symbol: '✱', description: 'first seen in the last day' },
  ok: { state: 'ok', label: 'ok', symbol: '●', description: 'nothing to report' },
};

export interface StateFacts {
  quarantined: Set<string>; // MACs with an active quarantine block
  violating: Set<string>; // MACs whose MUD verdict is a violation
  now: number; // the newest data's time
}

// The most serious state first: blocked, alerting, violating, new, ok.
export function stateOf(d: Device, facts: StateFacts): StateInfo {
  if (facts.quarantined.has(d.mac) || d.stage === 'quarantine') return STATES.blocked;
  if (d.stage === 'alert' || d.stage === 'restrict') return STATES.alerting;
  if (facts.violating.has(d.mac)) return STATES.violating;
  if (facts.now - d.first_seen < 86400) return STATES.new;
  return STATES.ok;
}

export function quarantinedMacs(blocks: Block[]): Set<string> {
  return new Set(blocks.filter((b) => b.active && b.type === 'quarantine').map((b) => b.mac));
}

export const STAGE_TEXT: Record<Stage, string> = {
  none: 'none',
  alert: 'alert: the owner was told',
  restrict: 'restricted to its profile',
  quarantine: 'quarantined',
};

// The newest time the data speaks of: the clock for a live home, the end of
// a replayed capture for an old one (whose traffic is long past).
export function dataNow(devices: Device[]): number {
  const wall = Date.now() / 1000;
  const newest = devices.reduce((m, d) => Math.max(m, d.last_seen), 0);
  return newest > 0 && newest < wall - 600 ? newest : wall;
}
