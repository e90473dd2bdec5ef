// Blocks: what SPIN blocks now, whether every agent acknowledged it, and the
// owner's overrides of the reverse firewall; each can be lifted here.
import { useState } from 'preact/hooks';

import { useAction } from '../action';
import { api, query } from '../api/client';
import type { Block, Override } from '../api/types';
import { Notice, ErrorText } from '../components/notice';
import { expiryText } from '../events';
import { time } from '../format';
import { useLoad, useStream, useThrottled } from '../hooks';
import type { Home } from '../home_data';
import { Link, devicePath } from '../router';

export function blockWhat(b: Block): string {
  if (b.type === 'quarantine') return 'everything (quarantine)';
  if (b.type === 'device_remote') return `to and from ${b.remote ?? ''}`;
  if (b.type === 'device_name') return `the name ${b.domain ?? ''}`;
  return b.type;
}

export function AckList({ agents }: { agents: Block['agents'] }) {
  if (!agents.length) return <>no agent</>;
  return (
    <ul class="acks">
      {agents.map((a) => (
        <li key={a.agent} class={`ack ack-${a.state}`}>
          <span aria-hidden="true">{a.state === 'acknowledged' ? '✔' : a.state === 'sent' ? '…' : '✗'}</span> {a.agent}:{' '}
          {a.state.replace(/_/g, ' ')}
          {a.error ? ` (${a.error})` : ''}
        </li>
      ))}
    </ul>
  );
}

export function BlocksPage({ home }: { home: Home }) {
  const [showAll, setShowAll] = useState(false);
  const blocks = useLoad(() => api.get<{ blocks: Block[] }>(`/blocks${query({ all: showAll || undefined })}`), [showAll]);
  const overrides = useLoad(() => api.get<{ overrides: Override[] }>('/overrides'), []);
  const reload = useThrottled(() => {
    blocks.reload();
    overrides.reload();
  }, 500);
  useStream((m) => {
    if (m.kind === 'event' && ['block', 'unblock', 'decision', 'user_action'].includes(m.event.type)) reload();
  });
  const now = Date.now() / 1000;
  const { notice, run } = useAction('Asking the agents…', () => {
    blocks.reload();
    overrides.reload();
    home.blocks.reload();
  });
  const list = blocks.data?.blocks ?? [];
  return (
    <main data-page="blocks" class="page">
      <h1>Blocks</h1>
      <Notice notice={notice} />
      <ErrorText error={blocks.error || overrides.error} />
      <div class="toolbar">
        <label>
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll((e.target as HTMLInputElement).checked)} /> show
          lifted blocks too
        </label>
      </div>
      {list.length === 0 && !blocks.loading && <p>Nothing is blocked.</p>}
      <div class="table-wrap">
        <table class="cards">
          <caption class="sr-only">Blocks</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Blocks</th>
              <th scope="col">Why</th>
              <th scope="col">Since</th>
              <th scope="col">Until</th>
              <th scope="col">Agents</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((b) => (
              <tr key={b.id} data-block={b.id} data-mac={b.mac} class={b.active ? '' : 'lifted'}>
                <th scope="row" data-label="Device">
                  <Link href={devicePath(b.mac)}>{home.nameOf(b.mac)}</Link>
                </th>
                <td data-label="Blocks">{blockWhat(b)}</td>
                <td data-label="Why">{b.reason || '—'}</td>
                <td data-label="Since">{time(b.created)}</td>
                <td data-label="Until">
                  {b.active ? expiryText(b.expires, now) : `lifted ${time(b.removed)}${b.removed_reason ? ` (${b.removed_reason})` : ''}`}
                </td>
                <td data-label="Agents">
                  <AckList agents={b.agents} />
                </td>
                <td data-label="Actions">
                  {b.active && (
                    <button
                      type="button"
                      data-action="unblock"
                      onClick={() => void run(() => api.delete(`/blocks/${b.id}`), () => `Block ${b.id} lifted.`)}
                    >
                      Unblock
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Overrides</h2>
      <p class="hint">Your word over the reverse firewall: a device exempt from a detector, or held at a stage.</p>
      {(overrides.data?.overrides ?? []).length === 0 ? (
        <p>No overrides.</p>
      ) : (
        <ul class="overrides">
          {(overrides.data?.overrides ?? []).map((o) => (
            <li key={o.id} data-override={o.id}>
              <Link href={devicePath(o.device)}>{home.nameOf(o.device)}</Link>:{' '}
              {o.action === 'allow'
                ? `exempt from ${o.detector === '*' ? 'every detector' : o.detector}`
                : `held at stage ${o.stage ?? ''}`}{' '}
              {expiryText(o.expires, now)}
              {o.reason ? ` (${o.reason})` : ''}{' '}
              <button
                type="button"
                data-action="remove-override"
                onClick={() => void run(() => api.delete(`/overrides/${o.id}`), () => `Override ${o.id} removed.`)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
