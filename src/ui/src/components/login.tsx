// The token form, shown when the API answers 401 (api.token is set, as it
// must be off loopback).  The token is kept for this tab's session only.
import { useState } from 'preact/hooks';

import { api, errorText } from '../api/client';
import { forgetToken, setToken } from '../api/auth';

export function Login() {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setToken(value.trim());
    try {
      await api.get('/status');
      location.reload();
    } catch (err) {
      forgetToken();
      setError(`That token was not accepted: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" data-page="login">
      <h1>SPIN</h1>
      <p>This controller needs its API token (the <code>api.token</code> of its configuration).</p>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="current-password"
          required
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <p class="hint">The token is kept for this browser tab only, until it closes.</p>
    </main>
  );
}
