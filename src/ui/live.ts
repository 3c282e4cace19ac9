/**
 * One server-sent event stream for the whole app: the server says when new rows touched which
 * sessions and traces, and each page decides whether to fetch again.
 */
import { useEffect, useState } from "preact/hooks";

export interface Change {
  readonly all?: boolean;
  readonly sessions?: readonly string[];
  readonly traces?: readonly string[];
}

type Listener = (change: Change) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(connected: boolean) => void>();
let source: EventSource | undefined;
let connected = false;

function setConnected(value: boolean): void {
  if (value === connected) return;
  connected = value;
  for (const listener of statusListeners) listener(value);
}

function connect(): void {
  if (source) return;
  source = new EventSource("/api/events");
  source.addEventListener("hello", () => setConnected(true));
  source.addEventListener("change", (event) => {
    let change: Change = { all: true };
    try {
      change = JSON.parse(event.data) as Change;
    } catch {
      // A change we cannot read still means "fetch again".
    }
    for (const listener of listeners) listener(change);
  });
  // EventSource reconnects by itself (the server asks for 1 s).
  source.onerror = () => setConnected(false);
  source.onopen = () => setConnected(true);
}

/** Calls `onChange` (throttled to `minGapMs`) for every change `relevant` accepts. */
export function useLive(
  relevant: (change: Change) => boolean,
  onChange: () => void,
  minGapMs = 250,
): void {
  useEffect(() => {
    connect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const listener = (change: Change) => {
      if (!relevant(change) || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        onChange();
      }, minGapMs);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      clearTimeout(timer);
    };
  }, [relevant, onChange, minGapMs]);
}

export function useLiveStatus(): boolean {
  const [value, setValue] = useState(connected);
  useEffect(() => {
    connect();
    statusListeners.add(setValue);
    setValue(connected);
    return () => void statusListeners.delete(setValue);
  }, []);
  return value;
}
