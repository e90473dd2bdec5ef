// The page's frame: the navigation, the live-stream indicator, the login
// form when the API wants a token, and the page the path names.
import { useEffect, useState } from 'preact/hooks';

import { loginNeeded, onLoginNeeded } from './api/auth';
import { onStreamState, startStream, streamState, type StreamState } from './api/stream';
import { Login } from './components/login';
import { useHome } from './home_data';
import { AgentsPage } from './pages/agents';
import { BlocksPage } from './pages/blocks';
import { DevicePage } from './pages/device';
import { DevicesPage } from './pages/devices';
import { EventsPage } from './pages/events';
import { HomePage } from './pages/home';
import { Link, useLocation } from './router';

const NAV = [
  { href: '/', label: 'Home' },
  { href: '/devices', label: 'Devices' },
  { href: '/events', label: 'Events' },
  { href: '/agents', label: 'Agents' },
  { href: '/blocks', label: 'Blocks' },
];

const STATE_TEXT: Record<StreamState, string> = { live: 'live', connecting: 'connecting…', down: 'offline, retrying' };

function Live() {
  const [state, setState] = useState(streamState());
  useEffect(() => onStreamState(setState), []);
  return (
    <span class={`live live-${state}`} role="status" title="The page updates itself from the controller's live stream">
      <span aria-hidden="true">{state === 'live' ? '●' : '○'}</span> {STATE_TEXT[state]}
    </span>
  );
}

function Pages() {
  const home = useHome();
  const { path } = useLocation();
  const parts = path.replace(/\/+$/, '').split('/').filter(Boolean);
  useEffect(() => {
    const titles: Record<string, string> = { '': 'Home', devices: 'Devices', events: 'Events', agents: 'Agents', blocks: 'Blocks' };
    const mac = parts[0] === 'devices' && parts[1] ? decodeURIComponent(parts[1]) : '';
    document.title = `${mac ? home.nameOf(mac) : (titles[parts[0] ?? ''] ?? 'SPIN')} — SPIN`;
  });
  // Every page's ranges count back from the newest data (home.now), known
  // once the devices are read.
  if (!home.ready)
    return (
      <main class="page" data-page="loading">
        <p role="status">Loading…</p>
      </main>
    );
  if (parts.length === 0) return <HomePage home={home} />;
  if (parts[0] === 'devices' && parts.length === 1) return <DevicesPage home={home} />;
  if (parts[0] === 'devices' && parts.length === 2) return <DevicePage home={home} mac={decodeURIComponent(parts[1] ?? '').toLowerCase()} />;
  if (parts[0] === 'events') return <EventsPage home={home} />;
  if (parts[0] === 'agents') return <AgentsPage />;
  if (parts[0] === 'blocks') return <BlocksPage home={home} />;
  return (
    <main class="page" data-page="missing">
      <h1>No such page</h1>
      <p>
        <Link href="/">Back home</Link>
      </p>
    </main>
  );
}

export function App() {
  const [needLogin, setNeedLogin] = useState(loginNeeded());
  const { path } = useLocation();
  useEffect(() => onLoginNeeded(setNeedLogin), []);
  useEffect(() => startStream(), []);
  if (needLogin) return <Login />;
  const current = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return (
    <>
      <a class="skip" href="#content">
        Skip to the page
      </a>
      <header class="top">
        <Link href="/" class="brand" aria-label="SPIN home">
          SPIN
        </Link>
        <nav aria-label="Pages">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={current(n.href) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <Live />
      </header>
      <div id="content" tabIndex={-1}>
        <Pages />
      </div>
    </>
  );
}
