import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface Data<T> {
  readonly value: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  /** Fetches again, keeping what is shown until the answer comes (live updates). */
  readonly reload: () => void;
}

/**
 * Fetches when `key` changes (after `delayMs`, so typing in a search box is one request), keeps
 * only the newest answer, and shows the previous value while the next one loads. `initial` (data
 * that came with the page) stands for the first fetch.
 */
export function useData<T>(
  key: string,
  fetcher: () => Promise<T>,
  delayMs = 0,
  initial?: () => T | undefined,
): Data<T> {
  const [value, setValue] = useState<T | undefined>(() => initial?.());
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(value === undefined);
  const skip = useRef(value !== undefined);
  const latest = useRef(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  const run = useCallback(() => {
    const ticket = ++latest.current;
    setLoading(true);
    fetcherRef.current().then(
      (result) => {
        if (ticket !== latest.current) return;
        setValue(result);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (ticket !== latest.current) return;
        setError(failure instanceof Error ? failure.message : String(failure));
        setLoading(false);
      },
    );
  }, []);

  // The key names what to fetch: a new key is a new request. A layout effect, so the request
  // leaves right after the first render instead of a frame later.
  useLayoutEffect(() => {
    if (skip.current) {
      skip.current = false;
      return;
    }
    if (delayMs <= 0) return run();
    const timer = setTimeout(run, delayMs);
    return () => clearTimeout(timer);
  }, [key, run, delayMs]);

  return { value, error, loading, reload: run };
}
