import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  values: Array<number | null>;
}

const COLORS = ['#2f6f9f', '#c0582b', '#4f8a3b', '#8a4fa8', '#b08b12', '#1d8a8a', '#a83a5b'];

/**
 * A line chart (uPlot: small, fast, canvas). The canvas is not readable by assistive technology,
 * so the figure has a text label and the numbers are in a table under a disclosure.
 */
export function Chart(props: {
  title: string;
  x: number[];
  series: Series[];
  /** x values are Unix seconds (a time axis) or plain numbers (rounds). */
  time?: boolean;
  log?: boolean;
  format?: (v: number) => string;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const { title, x, series, time = true, log = false, height = 200 } = props;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(320, el.clientWidth || 600);
    const plot = new uPlot(
      {
        width,
        height,
        scales: { x: { time }, y: log ? { distr: 3 } : {} },
        axes: [
          { stroke: 'currentColor' },
          {
            stroke: 'currentColor',
            values: props.format
              ? (_u, vals) => vals.map((v) => (v === null || v === undefined ? '' : props.format!(v)))
              : undefined,
            size: 72,
          },
        ],
        // Sparse series (a few busy intervals in a long window) show their points, or a lone value would be invisible.
        series: [
          { label: time ? 'time' : 'round' },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            points: { show: s.values.filter((v) => v !== null && v !== 0).length < 40 },
          })),
        ],
        legend: { show: true },
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify([x, series, log, time])]);
  const fmt = props.format ?? ((v: number) => String(Math.round(v * 1000) / 1000));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: a line chart; the data is in the table below.`} />
      <details>
        <summary>
          Data table<span class="sr-only"> for {title}</span>
        </summary>
        <table class="rows small">
          <thead>
            <tr>
              <th scope="col">{time ? 'Time' : 'Round'}</th>
              {series.map((s) => (
                <th key={s.label} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {x.map((t, i) => (
              <tr key={t}>
                <td class="nowrap">{time ? new Date(t * 1000).toLocaleTimeString() : t}</td>
                {series.map((s) => (
                  <td key={s.label} class="num">
                    {s.values[i] === null ? '—' : fmt(s.values[i]!)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
