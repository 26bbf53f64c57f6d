import type uPlot from 'uplot';
import { useEffect, useRef, useState } from 'preact/hooks';
import './chart.css';

/** uPlot's columns: seconds on x, then one array per series (null = a gap). */
export type Columns = [number[], ...(number | null)[][]];

export interface ChartSeries {
  label: string;
  /** A CSS colour for the line. */
  color: string;
}

const HEIGHT = 200;

let loading: Promise<typeof uPlot> | undefined;
/** uPlot and its CSS, fetched once, when the first chart mounts. */
const loadUPlot = () => (loading ??= import('./uplot').then((m) => m.default));

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** The last value of each series, for the chart's text alternative. */
function summary(columns: Columns, series: ChartSeries[], unit: string): string {
  const parts = series.map((s, i) => {
    const ys = (columns[i + 1] as (number | null)[]).filter((v): v is number => v !== null);
    return ys.length ? `${s.label} latest ${ys[ys.length - 1].toFixed(2)} ${unit}, peak ${ys.reduce((a, b) => Math.max(a, b)).toFixed(2)} ${unit}` : `${s.label}: no data`;
  });
  return parts.join('; ');
}

/**
 * A time-series line chart (uPlot), as wide as its container and redrawn when `columns`
 * change. Any page can use it: give a title, the series and their columns (x in seconds).
 */
export function Chart({ title, unit, series, columns }: { title: string; unit: string; series: ChartSeries[]; columns: Columns }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const [failed, setFailed] = useState<string>();
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    let alive = true;
    let resize: ResizeObserver | undefined;
    loadUPlot().then(
      (UPlot) => {
        const el = box.current;
        if (!alive || !el) return;
        const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--border'), width: 1 }, ticks: { stroke: cssVar('--border'), width: 1 } };
        plot.current = new UPlot(
          {
            width: el.clientWidth,
            height: HEIGHT,
            series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, value: (_: uPlot, v: number | null) => (v === null ? '–' : `${v.toFixed(2)} ${unit}`) }))],
            axes: [axis, { ...axis, size: 56, values: (_: uPlot, ticks: number[]) => ticks.map((t) => `${+t.toFixed(2)}`) }],
            scales: { y: { range: (_: uPlot, min: number, max: number) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
            cursor: { drag: { x: false, y: false } },
          },
          columns as uPlot.AlignedData,
          el,
        );
        resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: HEIGHT }));
        resize.observe(el);
      },
      (err) => alive && setFailed(`The chart could not be loaded: ${(err as Error).message}`),
    );
    return () => {
      alive = false;
      resize?.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [shape, unit]);

  useEffect(() => plot.current?.setData(columns as uPlot.AlignedData), [columns]);

  return (
    <figure class="chart">
      <figcaption>
        {title} <span class="muted">({unit})</span>
      </figcaption>
      {failed ? (
        <p class="error" role="alert">
          {failed}
        </p>
      ) : (
        <div ref={box} class="chart-plot" role="img" aria-label={`${title}: ${summary(columns, series, unit)}`} />
      )}
    </figure>
  );
}
