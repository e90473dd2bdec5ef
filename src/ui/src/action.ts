// What the owner asked the controller to do, told on the page: "busy" while
// it runs, then the answer in words or the API's error; then `after` reads
// again what the action changed.
import { useRef, useState } from 'preact/hooks';

import { errorText } from './api/client';
import type { NoticeState } from './components/notice';

export function useAction(busy: string, after: () => void) {
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const then = useRef(after);
  then.current = after;
  const run = async <T>(what: () => Promise<T>, ok: (answer: T) => string): Promise<void> => {
    setNotice({ kind: 'busy', text: busy });
    try {
      const answer = await what();
      setNotice({ kind: 'ok', text: ok(answer) });
    } catch (e) {
      setNotice({ kind: 'error', text: errorText(e) });
    }
    then.current();
  };
  return { notice, setNotice, run };
}
