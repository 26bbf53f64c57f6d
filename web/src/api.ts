/**
 * The dashboard's only way to Berth: its public HTTP API, with the token the user signed in
 * with (kept in session storage, sent as `x-api-key`). Whatever the dashboard does, a script
 * with the same token can do.
 */

const TOKEN_KEY = 'berth.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx, in the API's error format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: (string | number)[]; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Listeners told when the token is refused (the shell goes back to sign-in). */
const unauthorized = new Set<() => void>();
export const onUnauthorized = (fn: () => void) => {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = session.token();
  return token ? { 'x-api-key': token, ...extra } : extra;
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (res.ok) return body as T;
  if (res.status === 401) for (const fn of unauthorized) fn();
  throw new ApiError(res.status, body?.code ?? 'ERROR', body?.message ?? `${res.status} ${res.statusText}`, body?.issues);
}

export type Input = Record<string, unknown>;

function queryString(input: Input): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) v.forEach((x) => qs.append(k, String(x)));
    else qs.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** A query procedure: `GET /api/<name>?<input>`. */
export async function query<T = any>(name: string, input: Input = {}, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(`/api/${name}${queryString(input)}`, { headers: headers(), signal }));
}

/** A mutation procedure: `POST /api/<name>` with a JSON body. */
export async function mutate<T = any>(name: string, input: Input = {}): Promise<T> {
  return answer<T>(await fetch(`/api/${name}`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(input) }));
}

/** A multipart upload (`application.dropDeployment` takes the archive this way). */
export async function upload<T = any>(name: string, form: FormData): Promise<T> {
  return answer<T>(await fetch(`/api/${name}`, { method: 'POST', headers: headers(), body: form }));
}

export interface StreamEvent {
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events route with fetch, so the token goes in a header (EventSource
 * cannot send one, and a token in the URL would end up in logs). Resolves when the server
 * ends the stream; rejects with ApiError when it refuses to start one.
 */
export async function stream(path: string, input: Input, onEvent: (e: StreamEvent) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${path}${queryString(input)}`, { headers: headers({ accept: 'text/event-stream' }), signal });
  if (!res.ok || !res.body) return answer(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e = parseEvent(block);
      if (e) onEvent(e);
    }
  }
}

/** One SSE block: `event:` and `data:` lines; comments (heartbeats) give nothing. */
export function parseEvent(block: string): StreamEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') };
}
