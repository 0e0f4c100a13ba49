import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Volume3D } from '@agcl/datasets';
import type { UNet } from '@agcl/unet';
import { lineChartSpec, movingAverage, renderVegaLitePng, type SeriesPoint } from './charts';
import { resolvedLearningRate, type TrainConfig } from './config';
import { evaluateVolumes, evaluationCsv, formatEvaluationTable, type EvaluationResult } from './evaluation';
import { overlayRgb, panelsPng } from './overlay';
import { readJsonl, runPaths, writeJsonAtomic } from './run-folder';
import type { TrainingData } from './training-data';
import type { StepRecord, ValRecord } from './train';

/** Index of the slice of a volume with the most foreground in the reference. */
export function mostForegroundSlice(volume: Pick<Volume3D, 'label' | 'depth' | 'height' | 'width'>): number {
  const n = volume.height * volume.width;
  let best = 0;
  let bestCount = -1;
  for (let d = 0; d < volume.depth; d++) {
    let count = 0;
    for (let i = d * n; i < (d + 1) * n; i++) if (volume.label[i]) count++;
    if (count > bestCount) {
      bestCount = count;
      best = d;
    }
  }
  return best;
}

/**
 * Writes `figures/case-<id>.png`: the slice with the most reference foreground, as three panels:
 * image, reference overlay, prediction overlay. Returns the file name relative to the run folder.
 */
export async function writeCaseFigure(runDir: string, volume: Volume3D, prediction: Uint8Array): Promise<string> {
  const d = mostForegroundSlice(volume);
  const { height: h, width: w, channels: c } = volume;
  const n = h * w;
  const image = volume.image.subarray(d * n * c, (d + 1) * n * c);
  const gt = volume.label.subarray(d * n, (d + 1) * n);
  const pred = prediction.subarray(d * n, (d + 1) * n);
  const png = await panelsPng(
    [overlayRgb(image, new Uint8Array(n), h, w, c), overlayRgb(image, gt, h, w, c), overlayRgb(image, pred, h, w, c)],
    h,
    w,
  );
  const rel = path.join('figures', `case-${volume.id.replace(/[^\w.-]/g, '_')}.png`);
  writeFileSync(path.join(runDir, rel), png);
  return rel;
}

/** Loss curves (moving average over 10 steps) and validation curves as PNG. Returns relative paths. */
export async function writeCurveFigures(runDir: string, classNames: string[]): Promise<{ loss: string | null; val: string | null; patches: string | null }> {
  const paths = runPaths(runDir);
  mkdirSync(paths.figures, { recursive: true });
  const steps = readJsonl<StepRecord>(paths.metrics);
  const vals = readJsonl<ValRecord>(paths.val);
  let loss: string | null = null;
  let val: string | null = null;
  if (steps.length) {
    const window = Math.max(1, Math.min(10, Math.floor(steps.length / 10)));
    const series: Record<string, number[]> = { total: steps.map((s) => s.loss) };
    for (const s of steps) for (const k of Object.keys(s.terms)) series[k] ??= [];
    for (const k of Object.keys(series)) if (k !== 'total') series[k] = steps.map((s) => s.terms[k] ?? Number.NaN);
    const points: SeriesPoint[] = [];
    for (const [name, values] of Object.entries(series)) {
      const smooth = movingAverage(values.map((v) => (Number.isFinite(v) ? v : 0)), window);
      smooth.forEach((v, i) => points.push({ step: steps[i].step, value: v, series: name }));
    }
    const png = await renderVegaLitePng(lineChartSpec({ title: `Training loss (moving average over ${window} steps)`, yTitle: 'loss', points }));
    loss = path.join('figures', 'loss.png');
    writeFileSync(path.join(runDir, loss), png);
  }
  if (vals.length) {
    const points: SeriesPoint[] = [];
    for (const v of vals) {
      points.push({ step: v.step, value: v.meanDice, series: 'mean' });
      for (const c of classNames) points.push({ step: v.step, value: v.dice[c], series: c });
    }
    const png = await renderVegaLitePng(
      lineChartSpec({ title: 'Validation Dice', yTitle: 'Dice', points, yDomain: [0, 1], pointMarks: true }),
    );
    val = path.join('figures', 'val.png');
    writeFileSync(path.join(runDir, val), png);
  }
  return { loss, val, patches: await writePatchFigure(runDir, steps) };
}

/**
 * What the sampled patches gave the patch losses, per step (methods with patches; moving average over
 * 10 steps): `ln N - L_AG` (how far the affinity term is below a uniform student graph), `ln N - floor`
 * (the room the target graph leaves) and the fraction of classes present whose contrastive anchors
 * were used. Null without diagnostics.
 */
async function writePatchFigure(runDir: string, steps: StepRecord[]): Promise<string | null> {
  const rows = steps.filter((s) => s.diagnostics);
  if (!rows.length) return null;
  const window = Math.max(1, Math.min(10, Math.floor(rows.length / 10)));
  const series: Record<string, number[]> = {
    'ln N - L_AG': rows.map((s) => (s.terms.affinity === undefined ? 0 : s.diagnostics!.lnN - s.terms.affinity)),
    'ln N - graph floor': rows.map((s) => s.diagnostics!.lnN - s.diagnostics!.graphFloor),
    'anchored classes (fraction)': rows.map((s) => (s.diagnostics!.classesPresent ? s.diagnostics!.anchoredClasses / s.diagnostics!.classesPresent : 0)),
  };
  const points: SeriesPoint[] = [];
  for (const [name, values] of Object.entries(series)) {
    movingAverage(values, window).forEach((v, i) => points.push({ step: rows[i].step, value: v, series: name }));
  }
  const png = await renderVegaLitePng(lineChartSpec({ title: `Patch losses: what the sampled patches give them (moving average over ${window} steps)`, yTitle: 'nats / fraction', points }));
  const rel = path.join('figures', 'patches.png');
  writeFileSync(path.join(runDir, rel), png);
  return rel;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : '-');

function metricRows(result: EvaluationResult): string[][] {
  const rows: string[][] = [];
  for (const key of [...result.classNames, 'mean']) {
    rows.push([key, ...result.metricNames.map((m) => `${f(result.summary[key][m], m === 'dice' || m === 'jaccard' ? 4 : 2)} ± ${f(result.std[key][m], m === 'dice' || m === 'jaccard' ? 4 : 2)}`)]);
  }
  return rows;
}

/**
 * Writes the run's report: evaluates the model on the validation cases with every metric
 * (`eval/metrics.json`, `eval/metrics.csv`), draws the curves and up to `cases` prediction
 * overlays into `figures/`, and writes `report.html` and `report.md` referencing them.
 */
export async function writeReport(
  runDir: string,
  options: { model: UNet; data: TrainingData; config: TrainConfig; cases?: number },
): Promise<EvaluationResult> {
  const paths = runPaths(runDir);
  mkdirSync(paths.figures, { recursive: true });
  mkdirSync(paths.evalDir, { recursive: true });
  const { model, data, config } = options;
  const maxFigures = options.cases ?? 3;
  const caseFigures: Array<{ id: string; file: string }> = [];
  const result = await evaluateVolumes(model, data.val, {
    size: config.size,
    numClasses: data.numClasses,
    kind: data.kind,
    classNames: data.classNames,
    onCase: async (id, prediction, volume) => {
      if (caseFigures.length < maxFigures) caseFigures.push({ id, file: await writeCaseFigure(runDir, volume, prediction) });
    },
  });
  writeJsonAtomic(path.join(paths.evalDir, 'metrics.json'), result);
  writeFileSync(path.join(paths.evalDir, 'metrics.csv'), evaluationCsv(result));
  const curves = await writeCurveFigures(runDir, data.classNames);
  const vals = readJsonl<ValRecord>(paths.val);
  const best = vals.reduce<ValRecord | null>((b, v) => (!b || v.meanDice > b.meanDice ? v : b), null);
  const steps = readJsonl<StepRecord>(paths.metrics);
  const header = ['class', ...result.metricNames.map((m) => m.toUpperCase())];
  const rows = metricRows(result);
  const title = `AGCL run: ${config.method} on ${config.dataset}`;
  const facts = [
    ['data', data.description],
    ['method', config.method],
    ['network', `U-Net ${config.channels.join('-')}, ${model.parameterCount().toLocaleString('en-US')} parameters`],
    ['steps', `${steps.length ? steps[steps.length - 1].step : 0} of ${config.steps}, batch ${config.batch}`],
    ['optimiser', `${config.optimizer}, lr ${resolvedLearningRate(config)} (poly decay)`],
    ['best validation mean Dice', best ? `${best.meanDice.toFixed(4)} at step ${best.step}` : '-'],
    ['mean step time', steps.length ? `${(steps.reduce((a, s) => a + s.seconds, 0) / steps.length).toFixed(3)} s` : '-'],
  ];

  const md = [
    `# ${title}`,
    '',
    ...facts.map(([k, v]) => `- **${k}**: ${v}`),
    '',
    `## Validation metrics (final model, ${result.cases.length} cases, mean ± std over cases)`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...(result.summary.object
      ? ['Object-level:', '', ...Object.entries(result.summary.object).map(([m, v]) => `- ${m}: ${f(v)}`), '']
      : []),
    'Baseline: a predictor of background everywhere scores Dice 0 for every class.',
    '',
    '## Curves',
    '',
    ...(curves.loss ? [`![loss](${curves.loss})`, ''] : []),
    ...(curves.val ? [`![validation Dice](${curves.val})`, ''] : []),
    ...(curves.patches ? [`![patch diagnostics](${curves.patches})`, ''] : []),
    '## Predictions (image | reference | prediction)',
    '',
    ...caseFigures.flatMap((c) => [`**${c.id}**`, '', `![${c.id}](${c.file})`, '']),
    'Per-case values: `eval/metrics.csv`, `eval/metrics.json`.',
    '',
  ].join('\n');
  writeFileSync(paths.reportMd, md);

  const table = `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th:first-child{text-align:left}dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:600}
img{max-width:100%;border:1px solid #eee;margin:4px 0}.cases figure{display:inline-block;margin:0 12px 12px 0}
.legend span{display:inline-block;padding:0 8px;margin-right:6px;color:#fff;border-radius:3px}
</style></head><body>
<h1>${esc(title)}</h1>
<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<h2>Validation metrics</h2>
<p>Final model, ${result.cases.length} validation cases, mean ± std over cases${data.kind === 'cardiac' ? ' (3D per volume)' : ''}. Baseline: predicting background everywhere scores Dice 0 for every class.</p>
${table}
${result.summary.object ? `<p>Object-level: ${Object.entries(result.summary.object).map(([m, v]) => `${esc(m)} ${f(v)}`).join(', ')}</p>` : ''}
<h2>Curves</h2>
${curves.loss ? `<img src="${curves.loss}" alt="training loss">` : ''}
${curves.val ? `<img src="${curves.val}" alt="validation Dice">` : ''}
${curves.patches ? `<img src="${curves.patches}" alt="patch diagnostics: ln N - L_AG, ln N - graph floor, anchored classes">` : ''}
<h2>Predictions</h2>
<p class="legend">image | reference | prediction &nbsp; ${data.classNames
    .map((c, i) => `<span style="background:rgb(${[[230, 57, 70], [42, 157, 84], [52, 120, 246], [244, 162, 37]][i % 4].join(',')})">${esc(c)}</span>`)
    .join('')}</p>
<div class="cases">${caseFigures.map((c) => `<figure><img src="${c.file}" alt="${esc(c.id)}"><figcaption>${esc(c.id)}</figcaption></figure>`).join('')}</div>
<p>Per-case values: <a href="eval/metrics.csv">eval/metrics.csv</a>, <a href="eval/metrics.json">eval/metrics.json</a>. Configuration: <a href="config.json">config.json</a>.</p>
<pre>${esc(formatEvaluationTable(result))}</pre>
</body></html>
`;
  writeFileSync(paths.reportHtml, html);
  return result;
}
