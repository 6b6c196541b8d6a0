// Loading what a view shows, again on a timer while it is live, and the hash route.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  value: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/** Calls `load` when `key` changes, and every `pollMs` if given; keeps the last value while reloading. */
export function useLoad<T>(load: () => Promise<T>, key: string, pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ value?: T; error?: Error }>({});
  const [tick, setTick] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let live = true;
    latest.current().then(
      (value) => live && setState({ value }),
      (error: Error) => live && setState((old) => ({ ...old, error })),
    );
    const timer = pollMs ? setTimeout(() => setTick((n) => n + 1), pollMs) : undefined;
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, tick]);
  useEffect(() => setState({}), [key]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { value: state.value, error: state.error, reload };
}

/** The part of location.hash after `#/`, split at slashes and decoded. */
export function useRoute(): string[] {
  const read = () =>
    location.hash
      .replace(/^#\/?/, '')
      .split('/')
      .filter(Boolean)
      .map((part) => decodeURIComponent(part));
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** Runs an action of a button, exposing whether it is under way and how it failed; `then` after success. */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  run: (action: () => Promise<unknown>, then?: () => void) => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback((action: () => Promise<unknown>, then?: () => void) => {
    setBusy(true);
    setError(undefined);
    action().then(
      () => {
        setBusy(false);
        then?.();
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
  }, []);
  return { busy, error, run };
}
