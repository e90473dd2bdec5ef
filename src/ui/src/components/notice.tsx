// What an action did, or why it failed, announced to screen readers.
export interface NoticeState {
  kind: 'ok' | 'error' | 'busy';
  text: string;
}

export function Notice({ notice }: { notice: NoticeState | null }) {
  return (
    <p class={`notice ${notice ? `notice-${notice.kind}` : 'notice-empty'}`} role="status" aria-live="polite">
      {notice?.text ?? ''}
    </p>
  );
}

export function ErrorText({ error }: { error: string }) {
  if (!error) return null;
  return (
    <p class="notice notice-error" role="alert">
      {error}
    </p>
  );
}
