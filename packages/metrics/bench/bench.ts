/**
 * Benchmark (not a test): HD95 + ASD per class on a 3D cardiac-like volume of 10 x 256 x 224 and
 * a 2D 1000 x 1000 mask, against the scipy reference (bench_scipy.py) in the same invocation; GlaS
 * object metrics on a 522 x 775 image; the object Hausdorff on 1000 x 1000 masks with ~300 objects,
 * fast path against the previous implementation (`objectHausdorffReference`).
 *
 *   cd packages/metrics && npx tsx bench/bench.ts [--repeats 5] [--objects-only]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asd, computeMetrics, computeObjectMetrics, hd95 } from '../src/index.js';
import { objectHausdorffReference } from '../src/test-utils/object-hausdorff-reference.js';
import { objectHausdorffFast } from '../src/object-hausdorff.js';
import { evaluateObjectMetrics } from '../src/object-metrics.js';

const repeatsArg = process.argv.indexOf('--repeats');
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 5;
const objectsOnly = process.argv.includes('--objects-only');

/** Seeded LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Cardiac-like labels: LV blood pool (3), myocardium ring (2), RV crescent (1), radii shrinking to the apex; wavy borders. */
function cardiacVolume(d: number, h: number, w: number, seed: number, jitter: number): Uint8Array {
  const rnd = lcg(seed);
  const out = new Uint8Array(d * h * w);
  const phase = [rnd() * 6.28, rnd() * 6.28, rnd() * 6.28];
  const cy = h / 2 + (rnd() - 0.5) * 2 * jitter;
  const cx = w / 2 + (rnd() - 0.5) * 2 * jitter;
  for (let z = 0; z < d; z++) {
    const t = z / Math.max(1, d - 1);
    const rLv = 26 * (1 - 0.6 * t) + (rnd() - 0.5) * jitter;
    const rMyo = rLv + 9 + (rnd() - 0.5) * jitter;
    const rRv = 38 * (1 - 0.7 * t) + (rnd() - 0.5) * jitter;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dy = y - cy;
        const dx = x - cx;
        const a = Math.atan2(dy, dx);
        const wave = 1 + 0.06 * Math.sin(3 * a + phase[0]) + 0.03 * Math.sin(7 * a + phase[1]);
        const r = Math.sqrt(dy * dy + dx * dx) / wave;
        const k = (z * h + y) * w + x;
        if (r <= rLv) out[k] = 3;
        else if (r <= rMyo) out[k] = 2;
        else {
          const ry = y - cy + 4;
          const rx = x - (cx - rMyo * 0.9);
          const rr = Math.sqrt(ry * ry + (rx * rx) / 1.6) / (1 + 0.05 * Math.sin(5 * a + phase[2]));
          if (rr <= rRv) out[k] = 1;
        }
      }
    }
  }
  return out;
}

/** 2D binary mask of irregular blobs (glands / organs), 1000 x 1000. */
function blobMask(h: number, w: number, seed: number, jitter: number): Uint8Array {
  const rnd = lcg(seed);
  const out = new Uint8Array(h * w);
  const base = lcg(99);
  for (let b = 0; b < 12; b++) {
    const cy = 100 + base() * (h - 200) + (rnd() - 0.5) * jitter;
    const cx = 100 + base() * (w - 200) + (rnd() - 0.5) * jitter;
    const r0 = 30 + base() * 90 + (rnd() - 0.5) * jitter;
    const ph = base() * 6.28;
    const y0 = Math.max(0, Math.floor(cy - r0 * 1.3));
    const y1 = Math.min(h, Math.ceil(cy + r0 * 1.3));
    const x0 = Math.max(0, Math.floor(cx - r0 * 1.3));
    const x1 = Math.min(w, Math.ceil(cx + r0 * 1.3));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const a = Math.atan2(y - cy, x - cx);
        const r = r0 * (1 + 0.15 * Math.sin(4 * a + ph) + 0.05 * Math.sin(9 * a + ph * 2 + rnd() * 0.3));
        if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) out[y * w + x] = 1;
      }
    }
  }
  return out;
}

function medianMs(fn: () => void): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

function hasScipy(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import scipy, numpy'], { encoding: 'utf8' });
  return r.status === 0;
}

interface Row {
  name: string;
  ts: number;
  tsSeparate: number;
  scipyMedpy?: number;
  scipyShared?: number;
  maxRelDiff?: number;
}

function run(name: string, pred: Uint8Array, target: Uint8Array, shape: number[], spacing: number[], classes: number[], scipy: boolean): Row {
  // One call per case: computeMetrics computes both directed surface-distance sets once per class.
  const ts = medianMs(() => {
    computeMetrics(pred, target, { shape, spacing, numClasses: Math.max(...classes) + 1, metrics: ['hd95', 'asd'] });
  });
  // As medpy users call it: hd95() and asd() separately on binary masks.
  const bins = classes.map((c) => [pred.map((v) => (v === c ? 1 : 0)), target.map((v) => (v === c ? 1 : 0))]);
  const tsSeparate = medianMs(() => {
    for (const [p, t] of bins) {
      hd95(p, t, { shape, spacing });
      asd(p, t, { shape, spacing });
    }
  });
  const row: Row = { name, ts, tsSeparate };
  if (!scipy) return row;
  const dir = mkdtempSync(join(tmpdir(), 'agcl-metrics-bench-'));
  try {
    writeFileSync(join(dir, 'p.u8'), pred);
    writeFileSync(join(dir, 't.u8'), target);
    const script = join(dirname(fileURLToPath(import.meta.url)), 'bench_scipy.py');
    const r = spawnSync(
      '/usr/bin/python3',
      [script, join(dir, 'p.u8'), join(dir, 't.u8'), shape.join(','), spacing.join(','), classes.join(','), String(repeats)],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (r.status !== 0) throw new Error(`bench_scipy.py failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { values: Array<{ classIndex: number; hd95: number; asd: number }>; medpy: number; shared: number };
    row.scipyMedpy = out.medpy * 1000;
    row.scipyShared = out.shared * 1000;
    const mine = computeMetrics(pred, target, { shape, spacing, numClasses: Math.max(...classes) + 1, metrics: ['hd95', 'asd'] });
    let maxRel = 0;
    for (const v of out.values) {
      const m = mine.find((x) => x.classIndex === v.classIndex)!;
      maxRel = Math.max(maxRel, Math.abs(m.hd95! - v.hd95) / Math.abs(v.hd95), Math.abs(m.asd! - v.asd) / Math.abs(v.asd));
    }
    row.maxRelDiff = maxRel;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

if (!objectsOnly) {
  const scipy = hasScipy();
  if (!scipy) console.warn('/usr/bin/python3 with numpy + scipy not found: scipy columns skipped');
  const [D, H, W] = [10, 256, 224];
  const rows = [
    run('3D 10x256x224, 3 classes, spacing [10,1.5,1.5]', cardiacVolume(D, H, W, 1, 4), cardiacVolume(D, H, W, 2, 0), [D, H, W], [10, 1.5, 1.5], [1, 2, 3], scipy),
    run('2D 1000x1000, 1 class, spacing [0.5,0.5]', blobMask(1000, 1000, 3, 10), blobMask(1000, 1000, 4, 0), [1000, 1000], [0.5, 0.5], [1], scipy),
  ];
  const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
  console.log(`HD95 + ASD, median of ${repeats} runs (ms), Node ${process.version}`);
  console.log('| case | @agcl/metrics computeMetrics | @agcl/metrics hd95()+asd() | scipy (medpy calls) | scipy (shared) | speed-up vs medpy calls | max rel. diff |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const speedup = r.scipyMedpy !== undefined ? `${(r.scipyMedpy / r.ts).toFixed(1)}x` : '-';
    const diff = r.maxRelDiff !== undefined ? r.maxRelDiff.toExponential(1) : '-';
    console.log(`| ${r.name} | ${f(r.ts)} | ${f(r.tsSeparate)} | ${f(r.scipyMedpy)} | ${f(r.scipyShared)} | ${speedup} | ${diff} |`);
  }
}

// GlaS object metrics (TypeScript only): 522 x 775 image, instance-map reference, semantic prediction.
{
  const [h, w] = [522, 775];
  const rnd = lcg(7);
  const gt = new Int32Array(h * w);
  const pred = new Uint8Array(h * w);
  for (let g = 1; g <= 20; g++) {
    const cy = 40 + rnd() * (h - 80);
    const cx = 40 + rnd() * (w - 80);
    const r = 12 + rnd() * 35;
    const sy = (rnd() - 0.5) * 8;
    const sx = (rnd() - 0.5) * 8;
    const keep = rnd() > 0.1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) gt[y * w + x] = g;
        if (keep && (y - cy - sy) ** 2 + (x - cx - sx) ** 2 <= (r * 0.9) ** 2) pred[y * w + x] = 1;
      }
    }
  }
  const ms = medianMs(() => computeObjectMetrics(pred, gt, { shape: [h, w], targetIsInstanceMap: true }));
  const m = computeObjectMetrics(pred, gt, { shape: [h, w], targetIsInstanceMap: true });
  console.log(
    `GlaS object F1 + Dice + Hausdorff, 522x775, ${m.targetObjects} reference / ${m.predObjects} segmented objects: ${ms.toFixed(1)} ms (median of ${repeats})`,
  );
}

/**
 * Nuclei-like 1000 x 1000 masks: 300 random discs (radius 4-11; touching ones merge into one
 * component). `jittered`: the prediction moves every disc (centre +-3, radius +-2), drops 8% of them
 * and adds 40 specks (a trained model). `undertrained`: the prediction grows every disc by 4 pixels
 * (neighbours merge), 20 long strokes join many of them into components spanning the image, and
 * 400 specks are added: the case where an object's box covers most of the image and many objects
 * overlap nothing.
 */
function discMasks(seed: number, kind: 'jittered' | 'undertrained'): { pred: Uint8Array; target: Uint8Array } {
  const [h, w] = [1000, 1000];
  const rnd = lcg(seed);
  const target = new Uint8Array(h * w);
  const pred = new Uint8Array(h * w);
  const disc = (m: Uint8Array, cy: number, cx: number, r: number) => {
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(h - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(w - 1, Math.ceil(cx + r)); x++) {
        if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) m[y * w + x] = 1;
      }
    }
  };
  const under = kind === 'undertrained';
  for (let o = 0; o < 300; o++) {
    const cy = rnd() * h;
    const cx = rnd() * w;
    const r = 4 + rnd() * 7;
    disc(target, cy, cx, r);
    const keep = rnd() > 0.08;
    const py = cy + (rnd() - 0.5) * 6;
    const px = cx + (rnd() - 0.5) * 6;
    const pr = Math.max(1, r + (rnd() - 0.5) * 4);
    if (under) disc(pred, cy, cx, r + 4);
    else if (keep) disc(pred, py, px, pr);
  }
  for (let o = 0; o < (under ? 400 : 40); o++) disc(pred, rnd() * h, rnd() * w, rnd() * 2);
  if (under) {
    for (let o = 0; o < 20; o++) {
      let y = rnd() * h;
      let x = rnd() * w;
      const a = rnd() * 6.28;
      for (let t = 0; t < 1200; t += 2) {
        disc(pred, y, x, 2);
        y += 2 * Math.sin(a + t / 300);
        x += 2 * Math.cos(a + t / 300);
      }
    }
  }
  return { pred, target };
}

{
  console.log(`\nGlaS object F1 + Dice + Hausdorff (computeObjectMetrics), 1000x1000, ms (fast: median of ${repeats}; reference: median of up to ${Math.min(repeats, 3)})`);
  console.log('| case | objects (pred / ref) | F1 + Dice only | before (reference Hausdorff) | after (fast Hausdorff) | speed-up | rel. diff |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const kind of ['jittered', 'undertrained'] as const) {
    const { pred, target } = discMasks(11, kind);
    const opts = { shape: [1000, 1000] };
    const only = medianMs(() => computeObjectMetrics(pred, target, { ...opts, hausdorff: false }));
    const fastMs = medianMs(() => computeObjectMetrics(pred, target, opts));
    const fast = computeObjectMetrics(pred, target, opts);
    const times: number[] = [];
    let ref = NaN;
    // at most 3 runs, and no further run once 20 s are spent (the reference can take many seconds)
    for (let r = 0, spent = 0; r < Math.min(repeats, 3) && spent < 20000; r++) {
      const t0 = performance.now();
      ref = evaluateObjectMetrics(pred, target, opts, 'bench', objectHausdorffReference).objectHausdorff as number;
      times.push(performance.now() - t0);
      spent += times[times.length - 1];
    }
    times.sort((a, b) => a - b);
    const refMs = times[Math.floor(times.length / 2)];
    const check = evaluateObjectMetrics(pred, target, opts, 'bench', objectHausdorffFast).objectHausdorff as number;
    const diff = Math.abs((fast.objectHausdorff as number) - ref) / Math.abs(ref);
    if (check !== fast.objectHausdorff) throw new Error('bench: computeObjectMetrics does not use the fast path');
    console.log(
      `| 300 discs, ${kind} prediction | ${fast.predObjects} / ${fast.targetObjects} | ${only.toFixed(1)} | ${refMs.toFixed(0)} | ${fastMs.toFixed(1)} | ${(refMs / fastMs).toFixed(1)}x | ${diff.toExponential(1)} |`,
    );
  }
}
