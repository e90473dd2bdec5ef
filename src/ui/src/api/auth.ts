// The API token, when the controller asks for one (api.token; always off
// loopback).  It is kept in sessionStorage: for this tab, until it closes;
// never in a URL, a cookie or the page's markup.
const KEY = 'spin.token';

type Listener = (needed: boolean) => void;
const listeners = new Set<Listener>();
let needed = false;

export function token(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(value: string): void {
  sessionStorage.setItem(KEY, value);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

// The API answered 401: the page shows the login form until a token works.
export function setNeeded(value: boolean): void {
  if (needed === value) return;
  needed = value;
  for (const l of listeners) l(value);
}

export function loginNeeded(): boolean {
  return needed;
}

export function onLoginNeeded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
