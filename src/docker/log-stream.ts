/**
 * Decodes the body of Docker's logs endpoints (`/services/{id}/logs`, `/containers/{id}/logs`)
 * into log entries. Pure: the adapter feeds it the bytes as they arrive.
 *
 * Without a TTY the body is multiplexed: each message is a frame with an 8-byte header
 * (byte 0: stream, 1 = stdout, 2 = stderr; bytes 4–7: payload length, big-endian). With a
 * TTY it is the raw text. Asked with `timestamps` and `details`, each line reads
 * `<RFC3339Nano timestamp> <k=v,k=v attributes> <message>`; a service's attributes name
 * the task the line came from (`com.docker.swarm.task.id`).
 */

export interface LogEntry {
  /** RFC3339 with nanoseconds, fixed width (Docker's RFC3339NanoFixed): sorts as text. */
  ts: string;
  stream: 'stdout' | 'stderr';
  /** The Swarm task that wrote it, when Docker named it. */
  taskId?: string;
  text: string;
}

const HEADER_BYTES = 8;
const STREAMS: Record<number, LogEntry['stream']> = { 0: 'stdout', 1: 'stdout', 2: 'stderr' };

/** One line of a logs body (without its newline) as an entry; undefined when it has no timestamp. */
export function parseLogLine(line: string, stream: LogEntry['stream']): LogEntry | undefined {
  const first = line.indexOf(' ');
  const ts = first < 0 ? line : line.slice(0, first);
  if (!/^\d{4}-\d\d-\d\dT/.test(ts)) return undefined;
  const rest = first < 0 ? '' : line.slice(first + 1);
  // `details` puts the attributes (possibly none) between the timestamp and the message
  const second = rest.indexOf(' ');
  const attrs = second < 0 ? rest : rest.slice(0, second);
  const text = second < 0 ? '' : rest.slice(second + 1);
  const entry: LogEntry = { ts, stream, text: text.replace(/\r$/, '') };
  for (const pair of attrs.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && decode(pair.slice(0, eq)) === 'com.docker.swarm.task.id') entry.taskId = decode(pair.slice(eq + 1));
  }
  return entry;
}

/** Docker query-escapes attribute keys and values. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Turns the chunks of a logs body into entries, whatever the chunk boundaries: a header
 * or a line split across two chunks is held until the rest arrives.
 */
export class LogDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly tty: boolean) {}

  push(chunk: Buffer): LogEntry[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    return this.tty ? this.rawLines(false) : this.frames();
  }

  /** What a body cut short still holds: an unterminated last line. */
  end(): LogEntry[] {
    return this.tty ? this.rawLines(true) : [];
  }

  private frames(): LogEntry[] {
    const out: LogEntry[] = [];
    let at = 0;
    while (this.pending.length - at >= HEADER_BYTES) {
      const size = this.pending.readUInt32BE(at + 4);
      if (this.pending.length - at - HEADER_BYTES < size) break;
      const stream = STREAMS[this.pending[at]] ?? 'stdout';
      const payload = this.pending.toString('utf8', at + HEADER_BYTES, at + HEADER_BYTES + size);
      at += HEADER_BYTES + size;
      // one message per frame; a frame ends with its newline (a partial message has none)
      for (const line of payload.replace(/\n$/, '').split('\n')) {
        const entry = parseLogLine(line, stream);
        if (entry) out.push(entry);
      }
    }
    this.pending = this.pending.subarray(at);
    return out;
  }

  private rawLines(flush: boolean): LogEntry[] {
    // cut at a newline byte, so a character split across chunks is decoded whole
    const cut = flush ? this.pending.length : this.pending.lastIndexOf(0x0a) + 1;
    const lines = this.pending.toString('utf8', 0, cut).split('\n');
    this.pending = this.pending.subarray(cut);
    return lines.flatMap((line) => parseLogLine(line.replace(/\r$/, ''), 'stdout') ?? []);
  }
}
