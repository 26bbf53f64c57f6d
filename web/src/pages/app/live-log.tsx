import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { stream, type ApiError, type Input } from '../../api';
import { toApiError } from '../../hooks';

/** Lines kept on screen: a log followed for hours must not grow the page without bound. */
const MAX_LINES = 5000;

export interface LiveLines {
  lines: string[];
  /** The stream is open (lines may still come). */
  live: boolean;
  /** The data of the stream's `end` event (e.g. `{"status":"done"}`), once it came. */
  end?: string;
  error?: ApiError;
}

/**
 * Follows a Server-Sent Events log route (`data: <line>` events, then `end`): the lines so
 * far and each new one. `input` null means nothing to follow; a new `key` starts over.
 * `onEnd` is told when the server ends the stream (not when the page closes it).
 */
export function useLiveLines(path: string, input: Input | null, key: string, onEnd?: (data: string) => void): LiveLines {
  const [state, setState] = useState<LiveLines>({ lines: [], live: false });
  const ended = useRef(onEnd);
  ended.current = onEnd;
  useEffect(() => {
    setState({ lines: [], live: !!input });
    if (!input) return;
    const ctl = new AbortController();
    // lines arriving together are drawn once
    let pending: string[] = [];
    let frame = 0;
    let end = '';
    const flush = () => {
      frame = 0;
      const add = pending;
      pending = [];
      setState((s) => ({ ...s, lines: [...s.lines, ...add].slice(-MAX_LINES) }));
    };
    stream(
      path,
      input,
      (e) => {
        if (e.event === 'message') {
          pending.push(e.data);
          frame ||= requestAnimationFrame(flush);
        } else if (e.event === 'end' || e.event === 'error') {
          if (frame) cancelAnimationFrame(frame), flush();
          end = e.data;
          setState((s) => ({ ...s, end }));
        }
      },
      ctl.signal,
    ).then(
      () => {
        if (ctl.signal.aborted) return;
        setState((s) => ({ ...s, live: false }));
        ended.current?.(end);
      },
      (err) => !ctl.signal.aborted && setState((s) => ({ ...s, live: false, error: toApiError(err) })),
    );
    return () => {
      ctl.abort();
      cancelAnimationFrame(frame);
    };
  }, [key]);
  return state;
}

/**
 * A log as text, scrolled to its newest line while `follow` is on and the reader has not
 * scrolled up to read an older one.
 */
export function LogView({ lines, follow, label, empty }: { lines: string[]; follow: boolean; label: string; empty: string }) {
  const ref = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && follow && pinned.current) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);
  return (
    <pre
      ref={ref}
      class="log"
      role="log"
      aria-label={label}
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {lines.length ? lines.join('\n') : <span class="muted">{empty}</span>}
    </pre>
  );
}
