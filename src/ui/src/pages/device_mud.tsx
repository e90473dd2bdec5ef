// A device's MUD profile: its conformance and per-entry counters, its mode,
// assigning a profile (a URL or a file), and learning one from its traffic.
import { useState } from 'preact/hooks';

import { useAction } from '../action';
import { ApiError, api, errorText } from '../api/client';
import type { Device, MudStatus } from '../api/types';
import { Notice } from '../components/notice';
import { bytes, count, service, time } from '../format';
import { useLoad, useStream, useThrottled } from '../hooks';

const MODES = ['monitor', 'enforce', 'quarantine-on-violation'] as const;

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/mud+json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function MudSection({ device }: { device: Device }) {
  const mac = device.mac;
  const [url, setUrl] = useState('');
  const [learnt, setLearnt] = useState<{ text: string; aces: number } | null>(null);
  const status = useLoad(async () => {
    try {
      return await api.get<MudStatus>(`/devices/${mac}/mud`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }, [mac]);
  const reload = useThrottled(status.reload, 2000);
  useStream((m) => {
    if (m.kind === 'event' && m.event.device === mac && m.event.type.startsWith('mud_')) reload();
  });
  const { notice, setNotice, run } = useAction('Working…', status.reload);
  const act = (what: () => Promise<unknown>, ok: string) => run(what, () => ok);
  const assignFile = async (file: File) => {
    const text = await file.text();
    await act(() => api.put(`/devices/${mac}/mud`, { profile: text }), `The file ${file.name} is now its profile.`);
  };
  const learn = async () => {
    setNotice({ kind: 'busy', text: 'Learning from its traffic…' });
    try {
      const profile = await api.get<Record<string, unknown>>(`/devices/${mac}/mud/learn`);
      const acls = (profile['ietf-access-control-list:acls'] as { acl?: { aces?: { ace?: unknown[] } }[] } | undefined)?.acl ?? [];
      const aces = acls.reduce((n, a) => n + (a.aces?.ace?.length ?? 0), 0);
      setLearnt({ text: `${JSON.stringify(profile, null, 2)}\n`, aces });
      setNotice({ kind: 'ok', text: `Learnt a profile of ${aces} entries from what it did.` });
    } catch (e) {
      setNotice({ kind: 'error', text: errorText(e) });
    }
  };
  const s = status.data;
  const hasProfile = !!s && s.verdict !== 'no-profile' && !!s.profile;
  return (
    <section aria-labelledby="mud-title" class="card wide">
      <h2 id="mud-title">MUD profile</h2>
      <Notice notice={notice} />
      {status.error && <p class="notice notice-error">{status.error}</p>}
      {s && (
        <dl class="facts">
          <dt>Verdict</dt>
          <dd>
            <span class={`badge ${s.verdict === 'violating' ? 'state-violating' : s.verdict === 'conforming' ? 'state-ok' : 'state-none'}`}>
              <span aria-hidden="true">{s.verdict === 'violating' ? '✗' : s.verdict === 'conforming' ? '✔' : '–'}</span> {s.verdict}
            </span>
          </dd>
          {s.url && (
            <>
              <dt>Profile</dt>
              <dd>
                <code>{s.url}</code> ({s.source})
              </dd>
            </>
          )}
          {s.announced && (
            <>
              <dt>Announced</dt>
              <dd>
                <code>{s.announced}</code>
              </dd>
            </>
          )}
          {s.profile?.systeminfo && (
            <>
              <dt>Says it is</dt>
              <dd>{s.profile.systeminfo}</dd>
            </>
          )}
          {s.mode && (
            <>
              <dt>Mode</dt>
              <dd>
                {s.mode}
                {s.effective_mode && s.effective_mode !== s.mode ? ` (enforced as ${s.effective_mode})` : ''}
              </dd>
            </>
          )}
          {s.signature && (
            <>
              <dt>Signature</dt>
              <dd>{s.signature.state}</dd>
            </>
          )}
          {s.error && (
            <>
              <dt>Last error</dt>
              <dd>{s.error}</dd>
            </>
          )}
          {s.pending_url && (
            <>
              <dt>Announces now</dt>
              <dd>
                <code>{s.pending_url}</code>{' '}
                <button type="button" onClick={() => void act(() => api.post(`/devices/${mac}/mud/accept`, {}), 'The new URL is accepted.')}>
                  Accept
                </button>
              </dd>
            </>
          )}
        </dl>
      )}
      {!s && !status.loading && <p>SPIN holds no MUD status for it.</p>}
      <div class="forms">
        {hasProfile && (
          <label>
            Mode{' '}
            <select
              value={s?.mode}
              data-action="mud-mode"
              onChange={(e) => {
                const mode = (e.target as HTMLSelectElement).value;
                void act(() => api.patch(`/devices/${mac}/mud`, { mode }), `Mode set to ${mode}.`);
              }}
            >
              {MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        )}
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => api.put(`/devices/${mac}/mud`, { url: url.trim() }), `Assigned ${url.trim()}; it is fetched now.`);
          }}
        >
          <label for="mud-url">Assign a MUD URL</label>
          <input id="mud-url" type="url" placeholder="https://…" required value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
          <button type="submit">Assign</button>
        </form>
        <label class="file">
          Assign a MUD file{' '}
          <input
            type="file"
            accept=".json,application/json,application/mud+json"
            onChange={(e) => {
              const f = (e.target as HTMLInputElement).files?.[0];
              if (f) void assignFile(f);
            }}
          />
        </label>
        {s && s.source && s.source !== 'announced' && (
          <button type="button" onClick={() => void act(() => api.delete(`/devices/${mac}/mud`), 'The assignment is removed.')}>
            Remove the assignment
          </button>
        )}
        <button type="button" data-action="learn" onClick={() => void learn()}>
          Learn a profile from its traffic
        </button>
        {learnt && (
          <>
            <button type="button" data-action="download-learnt" onClick={() => download(`${mac.replace(/:/g, '-')}.json`, learnt.text)}>
              Download the learnt profile ({learnt.aces} entries)
            </button>
            <button
              type="button"
              onClick={() => void act(() => api.put(`/devices/${mac}/mud`, { profile: learnt.text }), 'The learnt profile is now its profile.')}
            >
              Use it as its profile
            </button>
          </>
        )}
      </div>
      {s?.aces && s.aces.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption>What each entry of the profile allowed</caption>
            <thead>
              <tr>
                <th scope="col">ACL</th>
                <th scope="col">Entry</th>
                <th scope="col" class="num">
                  Packets
                </th>
                <th scope="col" class="num">
                  Bytes
                </th>
              </tr>
            </thead>
            <tbody>
              {s.aces.map((a) => (
                <tr key={`${a.acl}/${a.name}`}>
                  <td>{a.acl}</td>
                  <th scope="row">{a.name}</th>
                  <td class="num">{count(a.pkts)}</td>
                  <td class="num">{bytes(a.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {s?.violations && s.violations.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption>What it did that the profile does not allow</caption>
            <thead>
              <tr>
                <th scope="col">Remote</th>
                <th scope="col">Service</th>
                <th scope="col">Direction</th>
                <th scope="col" class="num">
                  Packets
                </th>
                <th scope="col" class="num">
                  Dropped
                </th>
                <th scope="col">Last</th>
              </tr>
            </thead>
            <tbody>
              {s.violations.map((v, i) => (
                <tr key={i}>
                  <th scope="row">{v.names[0] ? `${v.names[0]} (${v.remote_ip})` : v.remote_ip}</th>
                  <td>{service(v.proto, v.remote_port)}</td>
                  <td>{v.direction === 'out' ? 'it opened' : 'opened to it'}</td>
                  <td class="num">{count(v.pkts)}</td>
                  <td class="num">{count(v.dropped_pkts)}</td>
                  <td>{time(v.last)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
