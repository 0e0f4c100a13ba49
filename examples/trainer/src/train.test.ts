import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { METHODS, type Method } from './config';
import { readJsonl, runPaths } from './run-folder';
import { train, type StepRecord, type ValRecord } from './train';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';

const EXPECTED_TERMS: Record<Method, string[]> = {
  supervised: ['supervised'],
  full: ['supervised'],
  'mean-teacher': ['supervised', 'consistency'],
  'semi-agcl': ['supervised', 'consistency', 'contrastive', 'affinity'],
  'semi-agcl:uniform': ['supervised', 'consistency', 'contrastive', 'affinity'],
  'semi-agcl:no-intensity': ['supervised', 'consistency', 'contrastive', 'affinity'],
  'semi-agcl:no-ag': ['supervised', 'consistency', 'contrastive'],
  'semi-agcl:no-contrast': ['supervised', 'consistency', 'affinity'],
};

describe('train (end to end, tiny)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(METHODS.map((m) => [m]))('%s trains, validates, checkpoints and logs', async (method) => {
    const out = path.join(tempDir(), 'run');
    const stream = captureStream();
    const result = await train({ config: tinyConfig({ method, out }), stream, skipBackendInit: true, report: false });
    expect(result.status).toBe('completed');
    expect(result.step).toBe(6);
    const p = runPaths(out);
    const config = JSON.parse(readFileSync(p.config, 'utf8'));
    expect(config.method).toBe(method);
    expect(config.steps).toBe(6);
    const steps = readJsonl<StepRecord>(p.metrics);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of steps) {
      expect(Object.keys(s.terms).sort()).toEqual([...EXPECTED_TERMS[method]].sort());
      expect(Number.isFinite(s.loss)).toBe(true);
      // total = supervised + w(t) * sum_k lambda_k * term_k, recomputed from the logged parts
      const lambda: Record<string, number> = { consistency: 0.1, contrastive: 0.1, affinity: 0.1 };
      const extra = Object.entries(s.terms)
        .filter(([k]) => k !== 'supervised')
        .reduce((a, [k, v]) => a + lambda[k] * v, 0);
      expect(s.loss).toBeCloseTo(s.terms.supervised + s.rampup * extra, 4);
    }
    if (method.startsWith('semi-agcl')) expect(steps.some((s) => s.patches > 0)).toBe(true);
    const vals = readJsonl<ValRecord>(p.val);
    expect(vals.map((v) => v.step)).toEqual([3, 6]);
    for (const v of vals) {
      expect(v.meanDice).toBeGreaterThanOrEqual(0);
      expect(v.meanDice).toBeLessThanOrEqual(1);
      expect(Object.keys(v.dice)).toEqual(['RV', 'Myo', 'LV']);
    }
    expect(existsSync(path.join(p.last, 'state.json'))).toBe(true);
    expect(existsSync(path.join(p.best, 'state.json'))).toBe(true);
    expect(existsSync(path.join(p.last, 'teacher'))).toBe(method !== 'supervised' && method !== 'full');
    expect(JSON.parse(readFileSync(path.join(p.last, 'state.json'), 'utf8')).step).toBe(6);
    expect(stream.text()).toContain('validation Dice at step 6');
  });

  it('full uses every training slice as labeled, supervised only the labeled patients', async () => {
    const a = captureStream();
    await train({ config: tinyConfig({ method: 'full', steps: 1, out: path.join(tempDir(), 'f') }), stream: a, skipBackendInit: true, report: false });
    expect(a.text()).toContain('6 labeled (12 slices), 0 unlabeled');
    const b = captureStream();
    await train({ config: tinyConfig({ method: 'supervised', steps: 1, out: path.join(tempDir(), 's') }), stream: b, skipBackendInit: true, report: false });
    expect(b.text()).toContain('2 labeled (4 slices), 0 unlabeled');
    const c = captureStream();
    await train({ config: tinyConfig({ method: 'semi-agcl', steps: 1, out: path.join(tempDir(), 'x') }), stream: c, skipBackendInit: true, report: false });
    expect(c.text()).toContain('2 labeled (4 slices), 8 unlabeled');
  });

  it('the supervised loss goes down', async () => {
    const out = path.join(tempDir(), 'learn');
    await train({
      config: tinyConfig({ method: 'supervised', steps: 30, valEvery: 30, lr: 0.01, out }),
      stream: captureStream(),
      skipBackendInit: true,
      report: false,
    });
    const sup = readJsonl<StepRecord>(runPaths(out).metrics).map((s) => s.terms.supervised);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(sup.slice(-5))).toBeLessThan(mean(sup.slice(0, 5)) - 0.05);
  });

  it('writes a report with PNG curves and overlays', async () => {
    const out = path.join(tempDir(), 'rep');
    await train({ config: tinyConfig({ method: 'mean-teacher', out }), stream: captureStream(), skipBackendInit: true });
    const p = runPaths(out);
    const html = readFileSync(p.reportHtml, 'utf8');
    const md = readFileSync(p.reportMd, 'utf8');
    for (const f of ['figures/loss.png', 'figures/val.png']) {
      expect(html).toContain(f);
      expect(md).toContain(f);
      const png = readFileSync(path.join(out, f));
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    }
    expect(html).toMatch(/figures\/case-phantom\d+\.png/);
    expect(md).toContain('| RV |');
    const csv = readFileSync(path.join(p.evalDir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('case,class,dice,jaccard,hd95,asd');
    expect(csv.length).toBe(1 + 2 * 4); // 2 volumes x (3 classes + mean)
    expect(html).not.toContain('figures/patches.png'); // the mean teacher samples no patches
  });

  it('semi-agcl logs patch diagnostics per step and plots them in the report', async () => {
    const out = path.join(tempDir(), 'diag');
    const stream = captureStream();
    await train({ config: tinyConfig({ method: 'semi-agcl', steps: 4, valEvery: 4, out }), stream, skipBackendInit: true });
    const rows = readJsonl<StepRecord>(runPaths(out).metrics);
    for (const r of rows) {
      const d = r.diagnostics!;
      expect(d.nodes).toBe(r.patches);
      expect(d.nodesPerClass.reduce((a, b) => a + b, 0)).toBe(d.nodes);
      expect(d.lnN).toBeCloseTo(Math.log(d.nodes), 12);
      expect(d.graphFloor).toBeLessThanOrEqual(d.lnN + 1e-9);
      expect(d.anchoredClasses).toBe(d.positives.filter((p, c) => p >= 2 && d.negatives[c] >= 1).length);
    }
    expect(stream.text()).toMatch(/anchors \d\/\d graph room \d+\.\d\d gap -?\d+\.\d\d/);
    const html = readFileSync(runPaths(out).reportHtml, 'utf8');
    expect(html).toContain('figures/patches.png');
    const png = readFileSync(path.join(out, 'figures/patches.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
