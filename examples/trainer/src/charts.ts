import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import sharp from 'sharp';

/** One point of a line chart. */
export interface SeriesPoint {
  step: number;
  value: number;
  series: string;
}

/**
 * Renders a vega-lite specification to PNG without a browser: vega-lite compiles it to vega, a
 * headless vega `View` renders SVG, and sharp rasterises the SVG.
 *
 * @returns PNG bytes
 */
export async function renderVegaLitePng(spec: TopLevelSpec, scale = 2): Promise<Buffer> {
  const vgSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG(scale);
    return await sharp(Buffer.from(svg)).png().toBuffer();
  } finally {
    view.finalize();
  }
}

/** Trailing moving average of `values` over `window` points. */
export function movingAverage(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/**
 * A line chart (one line per series) as a vega-lite specification.
 *
 * @param options.title  chart title
 * @param options.yTitle  y-axis title
 * @param options.points  data points
 * @param options.yDomain  fixed y-range (default: fitted)
 */
export function lineChartSpec(options: {
  title: string;
  yTitle: string;
  points: SeriesPoint[];
  yDomain?: [number, number];
  pointMarks?: boolean;
}): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: 520,
    height: 260,
    background: 'white',
    data: { values: options.points },
    mark: { type: 'line', point: options.pointMarks ?? false, strokeWidth: 1.8 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: {
        field: 'value',
        type: 'quantitative',
        title: options.yTitle,
        scale: options.yDomain ? { domain: options.yDomain } : { zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null },
    },
  } as TopLevelSpec;
}
