// One event of the log: when, what, the sentence, its evidence, what SPIN
// did about it and, where there is one, the undo.
import { useState } from 'preact/hooks';

import { api, errorText } from '../api/client';
import type { Block, SpinEvent } from '../api/types';
import { blockOf, describe, TYPE_LABELS, type NameOf } from '../events';
import { count, iso, time } from '../format';
import { Link, devicePath } from '../router';

const SYMBOLS: Record<string, string> = {
  alert: '⚠',
  decision: '➜',
  block: '✖',
  unblock: '↺',
  mud_violation: '✗',
  mud_quarantine: '✖',
  device_new: '✱',
  user_action: '✎',
};

function kindOf(type: string): string {
  if (type === 'alert' || type === 'mud_violation') return 'alerting';
  if (type === 'decision' || type === 'block' || type === 'mud_quarantine') return 'blocked';
  if (type === 'device_new' || type === 'destination_new') return 'new';
  return 'ok';
}

function valueText(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? count(v) : v.toFixed(3).replace(/\.?0+$/, '');
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (v === null || v === undefined) return '—';
  const text = JSON.stringify(v);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  const entries = Object.entries(evidence).filter(([k]) => k !== 'alert');
  if (!entries.length) return null;
  return (
    <details class="evidence">
      <summary>Evidence</summary>
      <dl>
        {entries.slice(0, 24).map(([k, v]) => (
          <div key={k}>
            <dt>{k.replace(/_/g, ' ')}</dt>
            <dd>{valueText(v)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

export interface EventContext {
  nameOf: NameOf;
  blocks: Block[]; // blocks in force, for the undo
  decisions: SpinEvent[]; // to show what was done about an alert
  changed: () => void; // after an undo
}

// The decision the reverse firewall took on an alert: same device, detector and time.
function decisionFor(alert: SpinEvent, decisions: SpinEvent[]): SpinEvent | undefined {
  return decisions.find((d) => d.device === alert.device && d.detector === alert.detector && d.time === alert.time);
}

export function EventItem({ event, ctx }: { event: SpinEvent; ctx: EventContext }) {
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const blockId = blockOf(event);
  const active = blockId !== undefined ? ctx.blocks.find((b) => b.id === blockId && b.active) : undefined;
  const decision = event.type === 'alert' ? decisionFor(event, ctx.decisions) : undefined;
  const detector = typeof event.detector === 'string' ? event.detector : '';
  const act = async (what: () => Promise<unknown>, ok: string) => {
    setBusy(true);
    try {
      await what();
      setDone(ok);
      ctx.changed();
    } catch (e) {
      setDone(`Failed: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const evidence = event.evidence && typeof event.evidence === 'object' ? (event.evidence as Record<string, unknown>) : null;
  return (
    <li class={`event kind-${kindOf(event.type)}`} data-event-type={event.type} data-event-id={event.id}>
      <div class="event-head">
        <span class={`badge state-${kindOf(event.type)}`}>
          <span aria-hidden="true">{SYMBOLS[event.type] ?? '•'}</span> {TYPE_LABELS[event.type] ?? event.type}
        </span>
        {detector && <span class="detector">{detector.replace(/_/g, ' ')}</span>}
        <time dateTime={iso(event.time)}>{time(event.time)}</time>
        {event.device && (
          <Link href={devicePath(event.device)} class="event-device">
            {ctx.nameOf(event.device)}
          </Link>
        )}
      </div>
      <p class="sentence">{describe(event, ctx.nameOf)}</p>
      {event.type === 'alert' && (
        <p class="taken">
          <b>What SPIN did:</b>{' '}
          {decision ? describe(decision, ctx.nameOf) : 'nothing more: the device\'s stage did not rise (docs/detection.md, "Response")'}
        </p>
      )}
      {evidence && <Evidence evidence={evidence} />}
      <div class="event-actions">
        {active && (
          <button
            type="button"
            data-action="undo"
            disabled={busy}
            onClick={() => void act(() => api.delete(`/blocks/${active.id}`), `Released: block ${active.id} lifted.`)}
          >
            Undo: release {ctx.nameOf(event.device)}
          </button>
        )}
        {(event.type === 'alert' || (event.type === 'decision' && !active)) && detector && event.device && (
          <button
            type="button"
            data-action="allow"
            disabled={busy}
            onClick={() =>
              void act(
                () => api.post('/overrides', { device: event.device, action: 'allow', detector, reason: 'from the events page' }),
                `${ctx.nameOf(event.device)} is exempt from ${detector} (see its page to remove).`,
              )
            }
          >
            Allow: exempt from {detector.replace(/_/g, ' ')}
          </button>
        )}
        {done && (
          <span role="status" class="hint">
            {done}
          </span>
        )}
      </div>
    </li>
  );
}
