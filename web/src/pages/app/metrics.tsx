import { useMemo, useState } from 'preact/hooks';
import { Chart } from '../../chart';
import { useQuery } from '../../hooks';
import { ErrorText, Loading } from '../../ui';
import { cpuColumns, memoryColumns, networkColumns, type AppMonitoring } from './figures';
import './ops.css';
import type { AppProps } from './types';

const RANGES: [string, string, number][] = [
  ['15m', '15 min', 15 * 60_000],
  ['1h', '1 hour', 3_600_000],
  ['6h', '6 hours', 6 * 3_600_000],
  ['24h', '24 hours', 24 * 3_600_000],
  ['7d', '7 days', 7 * 24 * 3_600_000],
];

/** The application's CPU, memory and network over a chosen range (application.readAppMonitoring), charted with uPlot. */
export function Metrics({ app }: AppProps) {
  const [range, setRange] = useState('1h');
  // the range ends when it was chosen (or refreshed): a fixed input, so one answer per choice
  const [to, setTo] = useState(() => Date.now());
  const span = RANGES.find(([key]) => key === range)![2];
  const input = { appName: app.appName, from: new Date(to - span).toISOString(), to: new Date(to).toISOString() };
  const m = useQuery<AppMonitoring | null>('application.readAppMonitoring', input);
  const choose = (key: string) => {
    setRange(key);
    setTo(Date.now());
  };

  return (
    <div class="metrics">
      <div class="ranges" role="group" aria-label="Range">
        {RANGES.map(([key, label]) => (
          <button type="button" aria-pressed={key === range} onClick={() => choose(key)}>
            {label}
          </button>
        ))}
        <button type="button" onClick={() => setTo(Date.now())}>
          Refresh
        </button>
      </div>
      <ErrorText error={m.error} />
      {m.loading && m.data === undefined ? <Loading /> : m.data ? <Charts m={m.data} limited={!!app.memoryLimit} /> : !m.error && <p class="muted empty">No samples in this range: no container of this application ran then.</p>}
    </div>
  );
}

const MEMORY_USED = { label: 'used', color: '#137333' };

function Charts({ m, limited }: { m: AppMonitoring; limited: boolean }) {
  const cpu = useMemo(() => cpuColumns(m), [m]);
  const memory = useMemo(() => memoryColumns(m, limited), [m, limited]);
  const network = useMemo(() => networkColumns(m), [m]);
  return (
    <div class="charts">
      <Chart title="CPU" unit="%" series={[{ label: 'CPU', color: '#2458d6' }]} columns={cpu} />
      <Chart
        title="Memory"
        unit="MiB"
        series={limited ? [MEMORY_USED, { label: 'limit', color: '#a15c00' }] : [MEMORY_USED]}
        columns={memory}
      />
      <Chart
        title="Network"
        unit="kB/s"
        series={[
          { label: 'received', color: '#2458d6' },
          { label: 'sent', color: '#b42318' },
        ]}
        columns={network}
      />
    </div>
  );
}
