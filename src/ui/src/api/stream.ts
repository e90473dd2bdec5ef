// The API's live stream (GET /api/v1/stream, Server-Sent Events), read with
// fetch rather than EventSource so that the token travels in the
// Authorization header, never in the URL.  One connection serves the whole
// page (the API holds a thread per stream); it reconnects with
// Last-Event-ID, so nothing the controller still holds is missed.
import { setNeeded, token } from './auth';
import type { LiveTraffic, SpinEvent } from './types';

export type StreamMessage =
  | { kind: 'event'; event: SpinEvent }
  | { kind: 'traffic'; traffic: LiveTraffic }
  | { kind: 'missed'; missed: number };

export type StreamState = 'connecting' | 'live' | 'down';

type Listener = (m: StreamMessage) => void;
type StateListener = (s: StreamState) => void;

const listeners = new Set<Listener>();
const stateListeners = new Set<StateListener>();
let state: StreamState = 'connecting';
let lastId = '';
let running = false;
let retryMs = 2000;

function setState(s: StreamState): void {
  if (s === state) return;
  state = s;
  for (const l of stateListeners) l(s);
}

function deliver(type: string, data: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return;
  }
  let m: StreamMessage;
  if (type === 'traffic') m = { kind: 'traffic', traffic: parsed as LiveTraffic };
  else if (type === 'missed') m = { kind: 'missed', missed: (parsed as { missed: number }).missed };
  else m = { kind: 'event', event: parsed as SpinEvent };
  for (const l of listeners) l(m);
}

// Splits the event-stream text into messages (the WHATWG rules: fields per
// line, a blank line ends a message, ':' starts a comment).
class Parser {
  private buffer = '';
  private type = '';
  private data: string[] = [];

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length) deliver(this.type || 'message', this.data.join('\n'));
      this.type = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Math.max(500, Number(value));
  }
}

async function connectOnce(): Promise<void> {
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (lastId) headers['Last-Event-ID'] = lastId;
  const res = await fetch('/api/v1/stream', { headers, cache: 'no-store', credentials: 'omit' });
  if (res.status === 401) {
    setNeeded(true);
    throw new Error('login needed');
  }
  if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
  setState('live');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new Parser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.push(value);
  }
}

async function run(): Promise<void> {
  while (running) {
    setState(state === 'live' ? 'connecting' : state);
    try {
      await connectOnce();
    } catch {
      // Reconnected below, like EventSource.
    }
    if (!running) break;
    setState('down');
    await new Promise((r) => setTimeout(r, retryMs));
  }
}

export function startStream(): void {
  if (running) return;
  running = true;
  void run();
}

export function onStream(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function streamState(): StreamState {
  return state;
}

export function onStreamState(listener: StateListener): () => void {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}
