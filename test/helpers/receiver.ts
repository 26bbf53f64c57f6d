// Local stand-ins for third-party services in notification tests: an HTTP receiver on
// 127.0.0.1 that records every request, and a real SMTP server (smtp-server) that records
// every message.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers a path: a status and body, or never (the request is held until close). */
export type Answer = { status: number; body?: string } | 'hang';

export interface Receiver {
  url: string;
  requests: Received[];
  /** Requests received and not answered (held by a hanging path). */
  held(): number;
  /** Called with each request as it arrives, before it is answered. */
  onRequest?: (r: Received) => void;
  close(): Promise<void>;
}

/** Starts a receiver; `answer` picks the reply per request (default 200 "ok"). */
export async function startReceiver(answer: (r: Received) => Answer = () => ({ status: 200, body: 'ok' })): Promise<Receiver> {
  const requests: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = {
    url: '',
    requests,
    held: () => hanging.size,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      receiver.onRequest?.(r);
      const a = answer(r);
      if (a === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(a.status, { 'content-type': a.body?.startsWith('{') ? 'application/json' : 'text/plain' }).end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** A loopback port nothing listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Mailbox {
  port: number;
  messages: { from: string; to: string[]; user: string | undefined; data: string }[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 (no TLS) that accepts `user`/`pass` and keeps every message. */
export async function startMailbox(user: string, pass: string): Promise<Mailbox> {
  const { SMTPServer } = await import('smtp-server');
  const messages: Mailbox['messages'] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          data: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
