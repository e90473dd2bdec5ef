// What each event of the controller's log means, in a sentence (docs/api.md,
// "Events"), and what undoing it takes, where it can be undone.
import type { SpinEvent } from './api/types';
import { count, duration, service } from './format';

export type NameOf = (mac: string | undefined) => string;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

// A block or unblock event: the block's fields, its id as block_id and its
// type as block_type (the event's own id and type take id and type).
function blockTarget(e: SpinEvent): string {
  if (e.block_type === 'device_remote') return `from ${str(e.remote)}`;
  if (e.block_type === 'device_name') return `from ${str(e.domain)}`;
  return '';
}

export const TYPE_LABELS: Record<string, string> = {
  alert: 'Alert',
  decision: 'Decision',
  block: 'Block',
  unblock: 'Unblock',
  device_new: 'New device',
  device_changed: 'Device changed',
  destination_new: 'New destination',
  user_action: 'Your action',
  mud_violation: 'MUD violation',
  mud_quarantine: 'MUD quarantine',
  mud_assigned: 'MUD assigned',
  mud_profile: 'MUD profile',
  mud_fetch_failed: 'MUD fetch failed',
  mud_url_changed: 'MUD URL changed',
  agent_joined: 'Agent joined',
  agent_left: 'Agent left',
  agent_restarted: 'Agent restarted',
  dhcp_mismatch: 'DHCP mismatch',
  sequence_gap: 'Messages lost',
  events_suppressed: 'Events suppressed',
};

export function describe(e: SpinEvent, nameOf: NameOf): string {
  const who = nameOf(e.device);
  switch (e.type) {
    case 'alert':
    case 'decision':
      return str(e.message) || `${who}: ${e.type} from ${str(e.detector)}`;
    case 'block': {
      const reason = str(e.reason);
      const verb = e.block_type === 'quarantine' ? 'quarantined' : 'blocked';
      return `${who} was ${verb} ${blockTarget(e)}${reason ? ` (${reason})` : ''}`.replace(/ +/g, ' ');
    }
    case 'unblock': {
      const why = str(e.removed_reason);
      return `${who} was released ${blockTarget(e)}${why === 'expired' ? ' (the block expired)' : ''}`.replace(/ +/g, ' ');
    }
    case 'device_new':
      return `${who} appeared on the network for the first time`;
    case 'device_changed': {
      const changes = Array.isArray(e.changes) ? (e.changes as unknown[]).map(str) : [];
      return `${who} changed: ${changes.join(', ')}`;
    }
    case 'destination_new': {
      const names = Array.isArray(e.names) ? (e.names as unknown[]).map(str) : [];
      return `${who} talked to ${names[0] ?? str(e.remote_ip)}${names.length ? ` (${str(e.remote_ip)})` : ''} for the first time`;
    }
    case 'user_action':
      return `You changed ${who}: ${summariseChange(e.change)}`;
    case 'mud_violation':
      return `${who} broke its MUD profile: ${str(e.direction) === 'in' ? 'from' : 'to'} ${
        (Array.isArray(e.names) && e.names.length ? str(e.names[0]) : '') || str(e.remote_ip)
      } ${service(num(e.proto), num(e.remote_port))}`;
    case 'mud_quarantine':
      return `${who} was quarantined for breaking its MUD profile`;
    case 'mud_assigned':
      return `${who} got the MUD profile ${str(e.url)} (${str(e.mode)})`;
    case 'mud_profile':
      return `MUD profile ${str(e.url)} fetched and checked`;
    case 'mud_fetch_failed':
      return `MUD profile ${str(e.url)} could not be used: ${str(e.reason)}`;
    case 'mud_url_changed':
      return `${who} announced another MUD URL (${str(e.announced)}); it keeps its profile until you accept`;
    case 'agent_joined':
      return `Agent ${str(e.agent)} joined`;
    case 'agent_left':
      return `Agent ${str(e.agent)} left (${str(e.reason)})`;
    case 'agent_restarted':
      return `Agent ${str(e.agent)} restarted`;
    case 'dhcp_mismatch':
      return `A DHCP message SPIN does not believe: ${str(e.reason)}`;
    case 'sequence_gap':
      return `${count(num(e.lost))} ${str(e.stream)} messages from ${str(e.agent)} were lost on the way`;
    case 'events_suppressed':
      return `Too many events in a minute; ${count(
        Object.values((e.suppressed as Record<string, number>) ?? {}).reduce((a, b) => a + b, 0),
      )} were counted, not written`;
    default:
      return `${TYPE_LABELS[e.type] ?? e.type}${e.device ? ` (${who})` : ''}`;
  }
}

function summariseChange(change: unknown): string {
  if (typeof change === 'string') return change.replace(/_/g, ' ');
  if (!change || typeof change !== 'object') return 'a change';
  const c = change as Record<string, unknown>;
  if (typeof c.change === 'string') return c.change.replace(/_/g, ' ');
  const parts = Object.entries(c).map(([k, v]) => (typeof v === 'string' || typeof v === 'number' ? `${k} ${v}` : k));
  return parts.join(', ') || 'a change';
}

// The block an event made, if any: a block event (its block_id), or a
// decision that quarantined (its evidence's block).
export function blockOf(e: SpinEvent): number | undefined {
  if (e.type === 'block' && typeof e.block_id === 'number') return e.block_id;
  if (e.type !== 'decision') return undefined;
  const block = (e.evidence as Record<string, unknown> | undefined)?.block;
  if (typeof block === 'number') return block;
  if (block && typeof block === 'object' && typeof (block as { id?: unknown }).id === 'number')
    return (block as { id: number }).id;
  return undefined;
}

export function expiryText(expires: number | null, now: number): string {
  return expires === null ? 'until removed' : `for ${duration(expires - now)} more`;
}
