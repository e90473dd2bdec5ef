// Data from the API, kept fresh by the live stream rather than by polling.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import { errorText } from './api/client';
import { onStream, type StreamMessage } from './api/stream';

export interface Loaded<T> {
  data: T | undefined;
  error: string;
  loading: boolean;
  reload: () => void;
}

// Runs `load` now and whenever `deps` change or reload() is called; the
// newest answer wins (an older one arriving late is dropped).
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    load().then(
      (d) => {
        if (mine !== generation.current) return;
        setData(d);
        setError('');
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

// Calls `handler` with each message of the live stream while mounted.
export function useStream(handler: (m: StreamMessage) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => onStream((m) => ref.current(m)), []);
}

// A function that runs `fn` at most once per `ms`, the last call winning:
// a burst of stream messages becomes one reload.
export function useThrottled(fn: () => void, ms: number): () => void {
  const ref = useRef(fn);
  ref.current = fn;
  const timer = useRef<number | undefined>(undefined);
  const last = useRef(0);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    const wait = last.current + ms - Date.now();
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(
      () => {
        timer.current = undefined;
        last.current = Date.now();
        ref.current();
      },
      Math.max(0, wait),
    );
  }, [ms]);
}
