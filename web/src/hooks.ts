import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, query, type Input } from './api';

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload(): void;
}

/** A query's answer, loaded again when `input` changes or `reload()` is called. */
export function useQuery<T = any>(name: string | null, input: Input = {}): Loaded<T> {
  const key = name && `${name}?${JSON.stringify(input)}`;
  const [state, setState] = useState<{ key: string | null; data?: T; error?: ApiError; loading: boolean }>({ key: null, loading: !!name });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!name) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, key, loading: true }));
    query<T>(name, input, ctl.signal).then(
      (data) => setState({ key, data, loading: false }),
      (error) => !ctl.signal.aborted && setState({ key, error: toApiError(error), loading: false }),
    );
    return () => ctl.abort();
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  // data of another key is not shown as this one's
  return state.key === key ? { ...state, reload } : { loading: !!name, reload };
}

export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'NETWORK', (err as Error)?.message ?? String(err));
}

/** Runs an action once at a time, keeping its error for display. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  const run = async (...args: A): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await fn(...args);
      return true;
    } catch (err) {
      if (alive.current) setError(toApiError(err));
      return false;
    } finally {
      if (alive.current) setBusy(false);
    }
  };
  return { run, busy, error, clearError: () => setError(undefined) };
}
