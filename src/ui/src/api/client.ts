// Calls to the controller's API (docs/api.md) from the page's own origin.
// Writes send Content-Type: application/json, which the API requires of
// every write (its defence against other pages, docs/security.md).
import { setNeeded, token } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function headers(write: boolean): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json' };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  if (write) h['Content-Type'] = 'application/json';
  return h;
}

// Calls under way, on <html data-pending>: the browser tests wait for 0
// (the live stream never ends, so "the network is idle" never comes).
let pending = 0;
function track(delta: number): void {
  pending += delta;
  document.documentElement.dataset.pending = String(pending);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  track(1);
  try {
    return await send<T>(method, path, body);
  } finally {
    track(-1);
  }
}

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const write = method !== 'GET';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers: headers(write),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'the controller cannot be reached');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, `the controller answered ${res.status} with something that is not JSON`);
  }
  if (res.status === 401) setNeeded(true);
  if (!res.ok) {
    const message =
      parsed && typeof parsed === 'object' && 'error' in parsed && typeof parsed.error === 'string' ? parsed.error : '';
    throw new ApiError(res.status, message || `the controller answered ${res.status}`);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown) => call<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  // No body, but the Content-Type every write needs.
  delete: <T>(path: string) => call<T>('DELETE', path),
};

// A query string from the parameters that are set.
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
