/**
 * The Prometheus text exposition format (version 0.0.4), for `GET /metrics`. Pure: Berth
 * builds its metric families from the store and the request counter, this writes them.
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** Appended to the family's name (`_bucket`, `_sum`, `_count` of a histogram). */
  suffix?: string;
  labels?: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function number(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labels(l: Record<string, string> | undefined): string {
  const entries = Object.entries(l ?? {});
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** The families as exposition text; a family without samples is left out. */
export function exposition(families: Family[]): string {
  let out = '';
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += `${f.name}${s.suffix ?? ''}${labels(s.labels)} ${number(s.value)}\n`;
  }
  return out;
}

/** A histogram family from observed values: cumulative `le` buckets, `+Inf`, sum and count. */
export function histogram(name: string, help: string, bounds: number[], values: number[]): Family {
  const samples: Sample[] = bounds.map((le) => ({ suffix: '_bucket', labels: { le: String(le) }, value: values.filter((v) => v <= le).length }));
  samples.push({ suffix: '_bucket', labels: { le: '+Inf' }, value: values.length });
  samples.push({ suffix: '_sum', value: values.reduce((a, b) => a + b, 0) });
  samples.push({ suffix: '_count', value: values.length });
  return { name, help, type: 'histogram', samples };
}
