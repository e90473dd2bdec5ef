// Agents: which agents are up and what they sent.
import { api } from '../api/client';
import type { Agent } from '../api/types';
import { ErrorText } from '../components/notice';
import { count, time } from '../format';
import { useLoad, useStream, useThrottled } from '../hooks';

export function AgentsPage() {
  const agents = useLoad(() => api.get<{ agents: Agent[] }>('/agents'), []);
  const reload = useThrottled(agents.reload, 2000);
  useStream((m) => {
    if (m.kind === 'traffic' || (m.kind === 'event' && m.event.type.startsWith('agent_'))) reload();
  });
  const list = agents.data?.agents ?? [];
  return (
    <main data-page="agents" class="page">
      <h1>Agents</h1>
      <p class="hint">Each agent sits between the modem and the home and meters, learns and blocks; the controller hears from each.</p>
      <ErrorText error={agents.error} />
      {list.length === 0 && !agents.loading && <p>No agent is configured (the controller's <code>agents</code>).</p>}
      <div class="cards-grid">
        {list.map((a) => (
          <section key={a.id} class="card agent" data-agent={a.id} aria-labelledby={`agent-${a.id}`}>
            <h2 id={`agent-${a.id}`}>
              {a.id}{' '}
              <span class={`badge ${a.connected ? 'state-ok' : 'state-blocked'}`}>
                <span aria-hidden="true">{a.connected ? '●' : '○'}</span> {a.connected ? 'up' : 'down'}
              </span>
            </h2>
            <dl class="facts">
              <dt>Stream</dt>
              <dd>
                <code>{a.publish}</code>
                {a.curve ? ' (CURVE)' : ''}
              </dd>
              <dt>Commands</dt>
              <dd>{a.commands ? <code>{a.commands}</code> : 'none (read-only agent)'}</dd>
              <dt>Running since</dt>
              <dd>{time(a.boot)}</dd>
              <dt>Last heard</dt>
              <dd>{time(a.last_seen)}</dd>
              <dt>Rules in force</dt>
              <dd>
                {count(a.rules)} (version {a.rules_version})
              </dd>
              <dt>Flow records</dt>
              <dd>
                {count(a.records)} in {count(a.batches)} batches
              </dd>
              <dt>Events</dt>
              <dd>{count(a.events)}</dd>
              <dt>Lost on the way</dt>
              <dd>
                {count(a.digests_lost)} records ({count(a.digest_gaps)} gaps), {count(a.events_lost)} events (
                {count(a.event_gaps)} gaps)
              </dd>
              <dt>Undecodable messages</dt>
              <dd>{count(a.bad_messages)}</dd>
              <dt>Restarts</dt>
              <dd>{count(a.restarts)}</dd>
            </dl>
          </section>
        ))}
      </div>
    </main>
  );
}
