// The UI's checks in a real browser (Debian's Chromium), run by the process
// tests (tests/process/test_ui_*.py), which start the controller and agents
// and replay the captures first.  One check per call:
//
//   pages      URL OUT [MAC]   every page at desktop and phone size: it loads
//                              with no error, no CSP violation and no serious
//                              accessibility violation (axe-core); the rows of
//                              /devices are the API's devices; MAC's page shows
//                              its destinations by name with the API's totals;
//                              screenshots in OUT
//   quarantine URL MAC         the page's Quarantine button, reached with Tab and
//                              pressed with Enter, until the API shows every
//                              agent acknowledged the block
//   unblock    URL MAC         the same with Unblock, until no quarantine of MAC
//                              is in force
//   alert      URL MAC OUT     the events feed shows MAC's alerts with the
//                              API's sentences, live and after a reload
//   login      URL TOKEN OUT   with api.token set: the login form, a wrong token
//                              refused, the right one kept for the session and
//                              never in a URL
//   crowded    URL OUT         a home crowded with made-up MACs: the home page and
//                              the devices page load in a few seconds with a
//                              bounded number of API calls, the graph draws at
//                              most 40 devices, every device can still be listed
//
// Prints what it saw as one JSON line; a failed check exits 1 saying why.
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { DESKTOP, PHONE, accessibility, launch, open, type PageWatch } from './browser';

type Json = Record<string, unknown>;

class CheckFailed extends Error {}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new CheckFailed(what);
}

// A GET of the API (on loopback without a token), the oracle the page is held to.
async function api<T>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}/api/v1${path}`, { headers: { Accept: 'application/json' } });
  const body = (await res.json()) as T;
  if (!res.ok) throw new CheckFailed(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, seconds = 20): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new CheckFailed(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Waits for the page's root (data-page) and for its loading to settle.
async function settled(page: Page, name: string): Promise<void> {
  await page.waitForSelector(`[data-page="${name}"]`, { timeout: 20000 });
  // No API call under way for 300 ms (src/api/client.ts counts them).
  await until(`${name}'s calls to the API to end`, async () => {
    const idle = () => page.evaluate(() => document.documentElement.dataset.pending === '0');
    if (!(await idle())) return false;
    await page.waitForTimeout(300);
    return idle();
  });
}

function noProblems(w: PageWatch, where: string): void {
  expect(w.problems.length === 0, `${where}: ${w.problems.join('; ')}`);
}

interface ApiDevice {
  mac: string;
  confirmed: boolean;
}
interface ApiDestination {
  remote_ip: string;
  names: string[];
  proto: number;
  remote_port: number;
  bytes_out: number;
  bytes_in: number;
}

const PAGES = [
  { path: '/', page: 'home', shot: 'home' },
  { path: '/devices', page: 'devices', shot: 'devices' },
  { path: '/devices/{mac}', page: 'device', shot: 'device' },
  { path: '/events', page: 'events', shot: 'events' },
  { path: '/agents', page: 'agents', shot: 'agents' },
  { path: '/blocks', page: 'blocks', shot: 'blocks' },
];

async function pages(url: string, out: string, mac: string): Promise<Json> {
  const browser = await launch();
  const seen: Json = {};
  try {
    const listed = (await api<{ devices: ApiDevice[] }>(url, '/devices')).devices;
    const devices = listed.map((d) => d.mac).sort();
    const confirmed = listed.filter((d) => d.confirmed).map((d) => d.mac).sort();
    const device = mac || devices[0] || '';
    for (const [size, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      for (const p of PAGES) {
        const w = await open(browser, viewport);
        const path = p.path.replace('{mac}', device);
        const res = await w.page.goto(url + path);
        expect(res?.status() === 200, `${path}: HTTP ${res?.status()}`);
        const csp = res?.headers()['content-security-policy'] ?? '';
        expect(csp.includes("script-src 'self'") && !csp.includes('unsafe'), `${path}: CSP '${csp}'`);
        await settled(w.page, p.page);
        if (p.page === 'devices') {
          // The confirmed devices, then with the box ticked every one.
          const rows = async () =>
            (await w.page.$$eval('tr[data-mac]', (trs) => trs.map((t) => t.getAttribute('data-mac') ?? ''))).sort();
          const first = await rows();
          expect(JSON.stringify(first) === JSON.stringify(confirmed), `/devices shows ${first.join(',')}, the API's confirmed devices are ${confirmed.join(',')}`);
          const box = w.page.getByLabel(/tentative devices/);
          if ((await box.count()) > 0) await box.check();
          const all = await rows();
          expect(JSON.stringify(all) === JSON.stringify(devices), `/devices shows ${all.join(',')}, the API lists ${devices.join(',')}`);
          seen.device_rows = all.length;
          seen.tentative = all.length - first.length;
        }
        if (p.page === 'device' && size === 'desktop') seen.destinations = await destinations(w.page, url, device);
        const violations = await accessibility(w.page);
        expect(
          violations.length === 0,
          `${path} (${size}): accessibility: ${violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3))}`).join('; ')}`,
        );
        // The phone's page must not scroll sideways.
        const overflow = await w.page.evaluate(() => {
          const wide = [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
          return { px: document.documentElement.scrollWidth - window.innerWidth, wide: wide.slice(0, 6) };
        });
        expect(overflow.px <= 0, `${path} (${size}) is ${overflow.px} px wider than the screen: ${overflow.wide.join(', ')}`);
        await w.page.screenshot({ path: join(out, `${size}-${p.shot}.png`), fullPage: size === 'phone' ? false : true });
        noProblems(w, `${path} (${size})`);
        await w.page.context().close();
      }
    }
    seen.pages = PAGES.length * 2;
    return seen;
  } finally {
    await browser.close();
  }
}

// The device page's destinations against the API's: every one shown (all of
// them, after "Show all") with its name and its byte totals.
async function destinations(page: Page, url: string, mac: string): Promise<number> {
  const more = page.locator('button', { hasText: /^Show all/ });
  if ((await more.count()) > 0) await more.first().click();
  const rows = await page.$$eval('tr[data-remote]', (trs) =>
    trs.map((t) => ({
      remote: t.getAttribute('data-remote') ?? '',
      service: t.getAttribute('data-service') ?? '',
      name: t.querySelector('th')?.textContent ?? '',
      out: Number(t.getAttribute('data-bytes-out')),
      in: Number(t.getAttribute('data-bytes-in')),
    })),
  );
  // The page asks for the day before the newest data (docs/ui.md); so does
  // this check.
  const wall = Date.now() / 1000;
  const all = await api<{ devices: { last_seen: number }[] }>(url, '/devices');
  const newest = Math.max(...all.devices.map((d) => d.last_seen));
  const dataNow = newest < wall - 600 ? newest : wall;
  const want = (await api<{ destinations: ApiDestination[] }>(url, `/devices/${mac}/destinations?from=${Math.floor(dataNow - 86400)}`))
    .destinations;
  expect(want.length > 0, `the API lists no destination of ${mac}`);
  expect(rows.length === want.length, `the page shows ${rows.length} destinations, the API ${want.length}`);
  for (const d of want) {
    const row = rows.find((r) => r.remote === d.remote_ip && r.service === `${d.proto}/${d.remote_port}`);
    expect(!!row, `destination ${d.remote_ip} ${d.proto}/${d.remote_port} is not on the page`);
    if (!row) continue;
    const name = d.remote_ip === '*' ? 'many addresses' : (d.names[0] ?? d.remote_ip);
    expect(row.name.startsWith(name), `${d.remote_ip} is shown as '${row.name}', the API names it '${name}'`);
    expect(row.out === d.bytes_out && row.in === d.bytes_in, `${d.remote_ip}: page ${row.out}/${row.in} bytes, API ${d.bytes_out}/${d.bytes_in}`);
  }
  return rows.length;
}

interface ApiBlock {
  id: number;
  mac: string;
  type: string;
  active: boolean;
  agents: { agent: string; state: string }[];
}

async function quarantineBlocks(url: string, mac: string): Promise<ApiBlock[]> {
  return (await api<{ blocks: ApiBlock[] }>(url, '/blocks')).blocks.filter((b) => b.mac === mac && b.type === 'quarantine' && b.active);
}

async function press(url: string, mac: string, action: 'quarantine' | 'unblock'): Promise<Json> {
  const browser = await launch();
  try {
    const w = await open(browser, DESKTOP);
    await w.page.goto(`${url}/devices/${mac}`);
    await settled(w.page, 'device');
    const button = w.page.locator(`.primary-actions [data-action="${action}"]`);
    expect((await button.count()) === 1, `no ${action} button on ${mac}'s page`);
    // With the keyboard, as someone without a mouse would: Tab to the
    // button, Enter.
    let tabs = 0;
    for (; tabs < 40; ++tabs) {
      await w.page.keyboard.press('Tab');
      const there = await w.page.evaluate((a) => document.activeElement?.getAttribute('data-action') === a, action);
      if (there) break;
    }
    expect(tabs < 40, `the ${action} button cannot be reached with Tab`);
    await w.page.keyboard.press('Enter');
    // The page says what the agents answered.
    const said = await until(`the page to tell the ${action}'s outcome`, async () => {
      const text = (await w.page.locator('.device-head [role="status"]').textContent()) ?? '';
      return /quarantined|released|Failed|error/i.test(text) && !/Asking/.test(text) ? text : undefined;
    });
    expect(!/Failed|error/i.test(said), `the page said: ${said}`);
    let blocks: ApiBlock[];
    if (action === 'quarantine') {
      blocks = await until('every agent to acknowledge the quarantine', async () => {
        const b = await quarantineBlocks(url, mac);
        return b.length === 1 && b[0]?.agents.length && b[0].agents.every((a) => a.state === 'acknowledged') ? b : undefined;
      });
      // The page shows the device as blocked, with the button to undo it.
      await w.page.waitForSelector('.primary-actions [data-action="unblock"]', { timeout: 10000 });
    } else {
      await until('the quarantine to be lifted', async () => (await quarantineBlocks(url, mac)).length === 0);
      blocks = [];
      await w.page.waitForSelector('.primary-actions [data-action="quarantine"]', { timeout: 10000 });
    }
    noProblems(w, `${mac}'s page`);
    return { said, blocks, tabs: tabs + 1 };
  } finally {
    await browser.close();
  }
}

interface ApiEvent {
  id: number;
  type: string;
  device?: string;
  message?: string;
}

async function alertFeed(url: string, mac: string, out: string): Promise<Json> {
  const browser = await launch();
  try {
    const w = await open(browser, DESKTOP);
    await w.page.goto(`${url}/events`);
    await settled(w.page, 'events');
    const alerts = (await api<{ events: ApiEvent[] }>(url, `/events?type=alert&device=${mac}`)).events;
    expect(alerts.length > 0, `the API has no alert about ${mac}`);
    const shown = await until('the alerts in the feed', async () => {
      const items = await w.page.$$eval('[data-event-type="alert"] .sentence', (ps) => ps.map((p) => p.textContent ?? ''));
      return alerts.every((a) => items.includes(a.message ?? '')) ? items : undefined;
    });
    // Each alert says what SPIN did about it; the reflex's, that it keeps
    // the device quarantined (the decision of the same time).
    const taken = await w.page.$$eval('[data-event-type="alert"] .taken', (ps) => ps.map((p) => p.textContent ?? ''));
    expect(taken.length === shown.length, `${shown.length} alerts, ${taken.length} say what SPIN did`);
    expect(taken.some((t) => /quarantined/.test(t)), `no alert says SPIN quarantined the device: ${taken.join(' | ')}`);
    await w.page.screenshot({ path: join(out, 'desktop-events-alerts.png'), fullPage: false });
    noProblems(w, '/events');
    return { alerts: alerts.length, shown: shown.length, taken: taken.length };
  } finally {
    await browser.close();
  }
}

async function login(url: string, token: string, out: string): Promise<Json> {
  const browser = await launch();
  try {
    const w = await open(browser, DESKTOP);
    const urls: string[] = [];
    w.page.on('request', (r) => urls.push(r.url()));
    await w.page.goto(`${url}/`);
    await w.page.waitForSelector('[data-page="login"]', { timeout: 20000 });
    // Without the token the page shows nothing of the home.
    expect((await w.page.locator('[data-mac]').count()) === 0, 'the login page shows devices');
    await w.page.screenshot({ path: join(out, 'desktop-login.png') });
    const violations = await accessibility(w.page);
    expect(violations.length === 0, `login: accessibility: ${violations.map((v) => v.id).join(', ')}`);
    await w.page.fill('#token', `${token}-wrong`);
    await w.page.click('button[type="submit"]');
    await w.page.waitForSelector('[data-page="login"] [role="alert"]', { timeout: 10000 });
    await w.page.fill('#token', token);
    await w.page.click('button[type="submit"]');
    await settled(w.page, 'home');
    // Kept for the session: another page of this tab needs no login.
    await w.page.goto(`${url}/devices`);
    await settled(w.page, 'devices');
    const rows = await w.page.locator('tr[data-mac]').count();
    expect(rows > 0, 'logged in, /devices shows no device');
    const leaked = urls.filter((u) => u.includes(token));
    expect(leaked.length === 0, `the token is in a URL: ${leaked.join(', ')}`);
    // The 401s before the login are expected; nothing else may fail.
    const problems = w.problems.filter((p) => !p.includes('401'));
    expect(problems.length === 0, problems.join('; '));
    return { rows, requests: urls.length };
  } finally {
    await browser.close();
  }
}

// What a device that makes up MACs does to the page: it must stay usable.
async function crowded(url: string, out: string): Promise<Json> {
  const listed = (await api<{ devices: ApiDevice[] }>(url, '/devices')).devices;
  const browser = await launch();
  try {
    const seen: Json = { devices: listed.length };
    for (const [path, name] of [
      ['/', 'home'],
      ['/devices', 'devices'],
    ] as const) {
      const w = await open(browser, DESKTOP);
      let calls = 0;
      w.page.on('request', (r) => {
        if (r.url().includes('/api/v1/') && !r.url().endsWith('/api/v1/stream')) calls += 1;
      });
      const started = Date.now();
      await w.page.goto(url + path);
      await settled(w.page, name);
      const seconds = (Date.now() - started) / 1000;
      expect(seconds < 8, `${path} took ${seconds.toFixed(1)} s with ${listed.length} devices`);
      expect(calls <= 12, `${path} made ${calls} API calls with ${listed.length} devices (one per device?)`);
      if (name === 'home') {
        const drawn = await w.page.locator('svg.graph [data-mac]').count();
        expect(drawn > 0 && drawn <= 40, `the graph draws ${drawn} devices`);
        seen.drawn = drawn;
      } else {
        const box = w.page.getByLabel(/tentative devices/);
        if ((await box.count()) > 0) await box.check();
        seen.tentative = listed.filter((d) => !d.confirmed).length;
        const rows = await w.page.locator('tr[data-mac]').count();
        expect(rows === listed.length, `/devices lists ${rows} of ${listed.length} devices`);
      }
      await w.page.screenshot({ path: join(out, `crowded-${name}.png`) });
      noProblems(w, path);
      seen[`${name}_seconds`] = Number(seconds.toFixed(2));
      seen[`${name}_calls`] = calls;
      await w.page.context().close();
    }
    return seen;
  } finally {
    await browser.close();
  }
}

async function main(): Promise<Json> {
  const [what, url, ...rest] = process.argv.slice(2);
  if (!what || !url) throw new CheckFailed('usage: check.ts pages|quarantine|unblock|alert|login|crowded URL ...');
  const base = url.replace(/\/+$/, '');
  switch (what) {
    case 'pages':
      return pages(base, rest[0] ?? '.', rest[1] ?? '');
    case 'quarantine':
    case 'unblock':
      return press(base, rest[0] ?? '', what);
    case 'alert':
      return alertFeed(base, rest[0] ?? '', rest[1] ?? '.');
    case 'login':
      return login(base, rest[0] ?? '', rest[1] ?? '.');
    case 'crowded':
      return crowded(base, rest[0] ?? '.');
    default:
      throw new CheckFailed(`no check '${what}'`);
  }
}

main().then(
  (seen) => process.stdout.write(`${JSON.stringify(seen)}\n`),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e instanceof CheckFailed ? e.message : (e.stack ?? e.message)) : String(e)}\n`);
    process.exit(1);
  },
);
