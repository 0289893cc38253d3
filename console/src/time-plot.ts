import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./dom.js";
import { formatInteger } from "./format.js";

/** One line of a plot: its legend label and the CSS custom property holding its colour. */
export interface PlotLine {
  label: string;
  color: string;
}

/** What a plot was last given: the bucket times (epoch seconds) and one value array per line. */
export interface PlotData {
  time: number[];
  values: (number | null)[][];
}

declare global {
  interface Window {
    /** For the browser tests: each plot's last data, by name, so a test can see the range change it. */
    __aigwConsole?: { plots: Record<string, PlotData> };
  }
}

const height = 220;

function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888888";
}

// The plot's colours are CSS custom properties ("#rrggbb"); a stacked area takes them translucent.
function translucent(color: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!match) return color;
  const [r, g, b] = match.slice(1).map((hex) => Number.parseInt(hex, 16));
  return `rgba(${r}, ${g}, ${b}, 0.45)`;
}

// uPlot's axis is a fixed 50 px: widen it to the longest label, as exact numbers can be long. Past the
// first layout pass it only grows, so the passes converge even when the labels change with the width.
function axisSize(self: uPlot, values: string[] | null, axisIndex: number, cycle: number): number {
  const axis = self.axes[axisIndex]!;
  const longest = (values ?? []).reduce((acc, value) => (value.length > acc.length ? value : acc), "");
  self.ctx.font = axis.font?.[0] ?? "12px sans-serif";
  const size =
    Math.ceil(
      (axis.ticks?.size ?? 10) + (axis.gap ?? 5) + self.ctx.measureText(longest).width / devicePixelRatio,
    ) + 4;
  const previous = (axis as { _size?: number })._size ?? 0;
  return cycle > 1 ? Math.max(previous, size) : size;
}

/**
 * A uPlot time-series plot made once and fed with `setData` (live pages update it in place, without
 * re-creating it or flickering). Its colours come from the page's CSS custom properties, so it is
 * rebuilt only when the colour scheme changes. `stacked` draws the lines as stacked areas.
 */
export class TimePlot {
  readonly element: HTMLElement;
  private readonly holder: HTMLElement;
  private plot: uPlot;
  private data: PlotData;
  private readonly resizer: ResizeObserver;
  private readonly scheme = matchMedia("(prefers-color-scheme: dark)");
  private readonly onScheme = (): void => this.rebuild();

  constructor(
    private readonly name: string,
    title: string,
    private readonly lines: PlotLine[],
    private readonly options: {
      stacked?: boolean;
      format?: (value: number) => string;
      /** Values with gaps (null where nothing was served): a lone value is drawn as a point. */
      gappy?: boolean;
    } = {},
  ) {
    this.holder = h("div", { class: "plot-canvas" });
    this.element = h(
      "figure",
      { class: "plot", "data-testid": `plot-${name}`, "data-points": 0 },
      h("figcaption", null, title),
      this.holder,
    );
    this.data = { time: [], values: lines.map(() => []) };
    this.plot = this.create();
    this.resizer = new ResizeObserver(() => {
      const width = this.holder.clientWidth;
      if (width > 0 && width !== this.plot.width) this.plot.setSize({ width, height });
    });
    this.resizer.observe(this.holder);
    this.scheme.addEventListener("change", this.onScheme);
    this.publish();
  }

  setData(data: PlotData): void {
    this.data = data;
    this.plot.setData(this.aligned());
    this.publish();
  }

  destroy(): void {
    this.resizer.disconnect();
    this.scheme.removeEventListener("change", this.onScheme);
    this.plot.destroy();
    if (window.__aigwConsole) delete window.__aigwConsole.plots[this.name];
  }

  private publish(): void {
    this.element.dataset.points = String(this.data.time.length);
    window.__aigwConsole ??= { plots: {} };
    window.__aigwConsole.plots[this.name] = this.data;
  }

  private rebuild(): void {
    this.plot.destroy();
    this.plot = this.create();
  }

  // uPlot draws what it is given: stacked areas are each line's running sum over the lines below it.
  private aligned(): uPlot.AlignedData {
    if (!this.options.stacked) return [this.data.time, ...this.data.values];
    const sums = this.data.time.map(() => 0);
    const stacked = this.data.values.map((values) =>
      sums.map((sum, index) => (sums[index] = sum + (values[index] ?? 0))),
    );
    return [this.data.time, ...stacked];
  }

  private create(): uPlot {
    const format = this.options.format ?? formatInteger;
    const text = cssColor("--text-muted");
    const grid = cssColor("--grid");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const stacked = this.options.stacked === true;
    const series: uPlot.Series[] = this.lines.map((line, index) => {
      const color = cssColor(line.color);
      return {
        label: line.label,
        stroke: color,
        width: 2,
        fill: stacked ? translucent(color) : undefined,
        points: this.options.gappy ? { show: true, size: 5 } : { show: false },
        // The legend shows each line's own value, not the stacked sum drawn.
        value: (_self, _raw, _series, at) => {
          const value = at === null ? null : this.data.values[index]?.[at];
          return value === null || value === undefined ? "—" : format(value);
        },
      };
    });
    return new uPlot(
      {
        width: this.holder.clientWidth || 600,
        height,
        series: [{}, ...series],
        bands: stacked
          ? series.slice(1).map((_, index) => ({ series: [index + 2, index + 1] as [number, number] }))
          : [],
        scales: { x: { time: true } },
        axes: [axis, { ...axis, size: axisSize, values: (_self, splits) => splits.map(format) }],
        legend: { live: true },
      },
      this.aligned(),
      this.holder,
    );
  }
}
