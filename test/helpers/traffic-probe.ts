import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';

/**
 * A client container on an overlay network that requests http://<host>:<port>/ over and
 * over, one new connection per request, no retries, and counts what it got: what a
 * caller of the application sees while it is updated.
 *
 * busybox's wget is a static glibc binary: a name lookup (and its -T timeout) makes it
 * segfault. So the name is resolved for every request with busybox's own nslookup against
 * Docker's embedded DNS (a fresh answer each time, as a client without a DNS cache gets),
 * one of the answers is picked round-robin, and `timeout 2` bounds the request.
 */
const SCRIPT = `trap 'exit 0' TERM
# the shell's own notice of a request that \`timeout\` ended ("Terminated") is not a request
# of its own: the failed request is reported on its fail line
exec 2>/dev/null
n=0
while :; do
  set -- $(nslookup "$HOST" 2>/dev/null | awk '/^Name:/{a=1} a&&/^Address/{print $2}')
  if [ $# -eq 0 ]; then echo "fail no address for $HOST"; sleep 0.1; continue; fi
  n=$((n+1)); shift $((n % $#)); ip=$1
  body=$(timeout 2 wget -q -O - "http://$ip:$PORT/" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo "ok $body"; else echo "fail $ip exit $rc: $body"; fi
done
`;

export interface TrafficReport {
  requests: number;
  ok: number;
  failed: number;
  /** Distinct response bodies, in the order they were first seen. */
  bodies: string[];
  /** The body of the last successful response. */
  last: string | undefined;
  /** One line per failed request: the address asked and what went wrong. */
  failures: string[];
}

export interface TrafficProbe {
  /** Resolves once the first request was answered (the probe is measuring). */
  ready(timeoutMs?: number): Promise<void>;
  /** Ends the requests, removes the container, and reports. Safe to call twice. */
  stop(): Promise<TrafficReport>;
}

export async function startTrafficProbe(
  docker: Docker,
  opts: { name: string; network: string; host: string; port: number; labels?: Record<string, string> },
): Promise<TrafficProbe> {
  const container = await docker.createContainer({
    name: opts.name,
    Image: 'busybox:latest',
    Cmd: ['sh', '-c', SCRIPT],
    Env: [`HOST=${opts.host}`, `PORT=${opts.port}`],
    Labels: opts.labels,
    Tty: true, // raw log lines, no stream framing
    HostConfig: { NetworkMode: opts.network },
  });
  try {
    await container.start();
  } catch (err) {
    await container.remove({ force: true });
    throw err;
  }

  const lines = async () => ((await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer).toString().split(/\r?\n/).filter(Boolean);
  let report: Promise<TrafficReport> | undefined;

  return {
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = await lines();
        if (seen.some((l) => l.startsWith('ok '))) return;
        if (Date.now() >= deadline) throw new Error(`The traffic probe got no answer from ${opts.host}:${opts.port} in ${timeoutMs} ms; last: ${seen.at(-1) ?? 'nothing'}`);
        await sleep(200);
      }
    },
    stop() {
      report ??= (async () => {
        try {
          // the trap ends the loop after the request in flight
          await container.stop({ t: 5 }).catch(() => {});
          return summarize(await lines());
        } finally {
          await container.remove({ force: true });
        }
      })();
      return report;
    },
  };
}

function summarize(lines: string[]): TrafficReport {
  const bodies = new Set<string>();
  const failures: string[] = [];
  let ok = 0;
  let last: string | undefined;
  for (const line of lines) {
    if (line.startsWith('ok ')) {
      ok++;
      last = line.slice(3);
      bodies.add(last);
    } else if (line.startsWith('fail ')) failures.push(line.slice(5));
    else failures.push(`unexpected output: ${line}`); // e.g. a crash of the probe itself
  }
  return { requests: ok + failures.length, ok, failed: failures.length, bodies: [...bodies], last, failures };
}
