import { useEffect, useRef } from 'preact/hooks';
import { ApiError, stream } from './api';

/**
 * Live changes from `GET /api/events` (read with fetch streaming: EventSource cannot send the
 * token header). On (re)connect the server sends the current state of every application the
 * filter selects, then each change, so nothing is missed while the stream was down.
 */

export type Health = { status: string; desired: number; running: number };

export interface ApplicationEvent {
  applicationId: string;
  environmentId: string;
  applicationStatus: 'idle' | 'running' | 'done' | 'error';
  health: Health;
}

export interface DeploymentEvent {
  deploymentId: string;
  applicationId: string;
  status: 'running' | 'done' | 'error' | 'cancelled';
  stage: string;
}

export type LiveEvent = { type: 'application'; data: ApplicationEvent } | { type: 'deployment'; data: DeploymentEvent };

export interface LiveFilter {
  projectId?: string;
  applicationId?: string;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
/** A stream that stayed open this long was healthy: the next drop retries quickly again. */
const STEADY_MS = 30_000;

/** Calls `onEvent` for each live change the filter selects, while the component is mounted; reconnects with back-off when the stream drops. */
export function useLiveEvents(filter: LiveFilter, onEvent: (e: LiveEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = JSON.stringify(filter);
  useEffect(() => {
    const ctl = new AbortController();
    let delay = FIRST_RETRY_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = async () => {
      const opened = Date.now();
      try {
        await stream(
          '/api/events',
          { ...filter },
          (e) => {
            if (e.event === 'application' || e.event === 'deployment') handler.current({ type: e.event, data: JSON.parse(e.data) } as LiveEvent);
          },
          ctl.signal,
        );
      } catch (err) {
        // refused for good (no access, gone): retrying would only be refused again; 429 and network errors are retried
        if (ctl.signal.aborted || (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429)) return;
      }
      if (ctl.signal.aborted) return;
      if (Date.now() - opened >= STEADY_MS) delay = FIRST_RETRY_MS;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    };
    void connect();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [key]);
}
