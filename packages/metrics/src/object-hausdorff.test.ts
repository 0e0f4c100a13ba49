import { describe, expect, it } from 'vitest';
import { connectedComponents } from './connected-components.js';
import { objectHausdorffReference } from './test-utils/object-hausdorff-reference.js';
import { objectHausdorffFast } from './object-hausdorff.js';
import { computeObjectMetrics, evaluateObjectMetrics, type ObjectMetricsOptions } from './object-metrics.js';
import { close, decodeRle, loadGolden } from './test-utils/golden.js';

/** Seeded LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Voxel coordinates `[z, y, x]` (z = 0 in 2D) of every label 1..count. */
function voxelsByLabel(labels: ArrayLike<number>, shape: number[], count: number): number[][][] {
  const out: number[][][] = Array.from({ length: count + 1 }, () => []);
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  for (let k = 0; k < labels.length; k++) {
    const c = labels[k];
    if (c !== 0) out[c].push([Math.floor(k / (h * w)), Math.floor(k / w) % h, k % w]);
  }
  return out;
}

/** Hausdorff distance between two voxel sets by brute force over all pairs (float64). */
function bruteHausdorff(a: number[][], b: number[][], sp: number[]): number {
  const directed = (p: number[][], q: number[][]): number => {
    let max = 0;
    for (const u of p) {
      let min = Infinity;
      for (const v of q) {
        const d = ((u[0] - v[0]) * sp[0]) ** 2 + ((u[1] - v[1]) * sp[1]) ** 2 + ((u[2] - v[2]) * sp[2]) ** 2;
        if (d < min) min = d;
      }
      if (min > max) max = min;
    }
    return max;
  };
  return Math.sqrt(Math.max(directed(a, b), directed(b, a)));
}

/**
 * GlaS object Hausdorff by brute force, written from the definition (as the challenge code): the
 * partner of an object is the most-overlapping object of the other side (ties: smallest label), or,
 * without overlap, the object at the smallest Hausdorff distance among all of the other side.
 */
function bruteObjectHausdorff(s: ArrayLike<number>, nS: number, g: ArrayLike<number>, nG: number, shape: number[], spacing: number[]): number {
  const sp = shape.length === 3 ? spacing : [1, ...spacing];
  const vs = voxelsByLabel(s, shape, nS);
  const vg = voxelsByLabel(g, shape, nG);
  const overlap = Array.from({ length: nS + 1 }, () => new Array<number>(nG + 1).fill(0));
  for (let k = 0; k < s.length; k++) if (s[k] !== 0 && g[k] !== 0) overlap[s[k]][g[k]]++;
  const totalS = vs.reduce((t, v) => t + v.length, 0);
  const totalG = vg.reduce((t, v) => t + v.length, 0);
  let hS = 0;
  for (let j = 1; j <= nS; j++) {
    let best = 0;
    for (let i = 1; i <= nG; i++) if (overlap[j][i] > (best === 0 ? 0 : overlap[j][best])) best = i;
    let h = Infinity;
    if (best !== 0) h = bruteHausdorff(vs[j], vg[best], sp);
    else for (let i = 1; i <= nG; i++) h = Math.min(h, bruteHausdorff(vs[j], vg[i], sp));
    hS += (vs[j].length / totalS) * h;
  }
  let hG = 0;
  for (let i = 1; i <= nG; i++) {
    let best = 0;
    for (let j = 1; j <= nS; j++) if (overlap[j][i] > (best === 0 ? 0 : overlap[best][i])) best = j;
    let h = Infinity;
    if (best !== 0) h = bruteHausdorff(vs[best], vg[i], sp);
    else for (let j = 1; j <= nS; j++) h = Math.min(h, bruteHausdorff(vs[j], vg[i], sp));
    hG += (vg[i].length / totalG) * h;
  }
  return (hS + hG) / 2;
}

/** Paints a disc (or a box when `box`) with value `v`, clipped to the grid (2D). */
function paint(m: Int32Array, shape: number[], cy: number, cx: number, r: number, v: number, box = false): void {
  const [h, w] = shape;
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(h - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(w - 1, Math.ceil(cx + r)); x++) {
      if (box || (y - cy) ** 2 + (x - cx) ** 2 <= r * r) m[y * w + x] = v;
    }
  }
}

/**
 * Random 2D instance maps: target objects (discs and boxes, some on the border, two touching boxes
 * with different labels), the prediction a jittered copy with one object dropped (a missing match),
 * one false positive far from the rest, and two predicted objects merged.
 */
function randomPair(seed: number, shape: number[]): { pred: Int32Array; target: Int32Array } {
  const rnd = lcg(seed);
  const [h, w] = shape;
  const target = new Int32Array(h * w);
  const pred = new Int32Array(h * w);
  const n = 4 + Math.floor(rnd() * 5);
  let label = 1;
  for (let o = 0; o < n; o++) {
    const border = o === 0;
    const cy = border ? 0 : rnd() * h;
    const cx = border ? rnd() * w : rnd() * w;
    const r = 1 + rnd() * 5;
    const box = rnd() < 0.4;
    paint(target, shape, cy, cx, r, label, box);
    if (o !== 1) {
      // prediction: jittered; object 2 takes label 3's value (merged); object 1 dropped
      const pl = o === 2 ? 3 : label;
      paint(pred, shape, cy + (rnd() - 0.5) * 4, cx + (rnd() - 0.5) * 4, Math.max(0.5, r + (rnd() - 0.5) * 3), pl, box);
    }
    label++;
  }
  // touching boxes with different labels (edge contact)
  const ty = 2 + Math.floor(rnd() * (h - 8));
  const tx = 2 + Math.floor(rnd() * (w - 12));
  paint(target, shape, ty + 2, tx + 2, 2, label++, true);
  paint(target, shape, ty + 2, tx + 7, 2, label++, true);
  paint(pred, shape, ty + 2, tx + 4, 3, 20, true);
  // false positive in a corner
  paint(pred, shape, h - 1, w - 1, 1 + rnd() * 2, 21, rnd() < 0.5);
  return { pred, target };
}

/** Compact relabelling 1..n (numpy.unique order), as the metrics see an instance map. */
function compact(m: Int32Array): { labels: Int32Array; count: number } {
  const values = [...new Set(m)].filter((v) => v !== 0).sort((a, b) => a - b);
  const index = new Map(values.map((v, i) => [v, i + 1]));
  return { labels: Int32Array.from(m, (v) => (v === 0 ? 0 : (index.get(v) as number))), count: values.length };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('object Hausdorff: fast path against brute force and the reference implementation', () => {
  it('random 2D multi-object masks (touching objects, border objects, missing match, false positive)', () => {
    let checked = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const shape = seed % 3 === 0 ? [30, 41] : [26, 26];
      const spacing = seed % 4 === 0 ? [0.5, 0.8] : [1, 1];
      const { pred, target } = randomPair(seed, shape);
      const s = compact(pred);
      const g = compact(target);
      if (s.count === 0 || g.count === 0) continue;
      const opts: ObjectMetricsOptions = { shape, spacing, predIsInstanceMap: true, targetIsInstanceMap: true };
      const fast = evaluateObjectMetrics(pred, target, opts, 't', objectHausdorffFast).objectHausdorff as number;
      const ref = evaluateObjectMetrics(pred, target, opts, 't', objectHausdorffReference).objectHausdorff as number;
      const brute = bruteObjectHausdorff(s.labels, s.count, g.labels, g.count, shape, spacing);
      expect(rel(fast, brute), `seed ${seed}: fast ${fast} vs brute force ${brute}`).toBeLessThan(1e-9);
      expect(rel(fast, ref), `seed ${seed}: fast ${fast} vs reference ${ref}`).toBeLessThan(1e-9);
      checked++;
    }
    expect(checked).toBeGreaterThan(35);
  });

  it('semantic masks (8-connected components; touching objects merge)', () => {
    for (let seed = 100; seed < 110; seed++) {
      const shape = [28, 33];
      const { pred, target } = randomPair(seed, shape);
      const p = Uint8Array.from(pred, (v) => (v !== 0 ? 1 : 0));
      const t = Uint8Array.from(target, (v) => (v !== 0 ? 1 : 0));
      const fast = computeObjectMetrics(p, t, { shape }).objectHausdorff as number;
      const cs = connectedComponents(p, shape);
      const cg = connectedComponents(t, shape);
      expect(rel(fast, bruteObjectHausdorff(cs.labels, cs.count, cg.labels, cg.count, shape, [1, 1]))).toBeLessThan(1e-9);
    }
  });

  it('many unmatched objects: nearest partner by Hausdorff among independent random objects', () => {
    // Prediction and reference drawn independently: most objects overlap nothing, and the object
    // with the smallest lower bound is often not the nearest one.
    for (let seed = 200; seed < 230; seed++) {
      const rnd = lcg(seed);
      const shape = [24, 30];
      const spacing = seed % 2 === 0 ? [1, 1] : [0.9, 0.4];
      const pred = new Int32Array(24 * 30);
      const target = new Int32Array(24 * 30);
      for (let o = 1; o <= 6; o++) {
        paint(target, shape, rnd() * 24, rnd() * 30, rnd() * 4, o, rnd() < 0.3);
        // scattered voxels and elongated boxes (one label, not connected)
        for (let q = 0; q < 3; q++) pred[Math.floor(rnd() * 720)] = o;
        if (o % 2 === 0) paint(pred, shape, rnd() * 24, rnd() * 30, rnd() * 2, o + 10, true);
      }
      const s = compact(pred);
      const g = compact(target);
      const opts: ObjectMetricsOptions = { shape, spacing, predIsInstanceMap: true, targetIsInstanceMap: true };
      const fast = computeObjectMetrics(pred, target, opts).objectHausdorff as number;
      const brute = bruteObjectHausdorff(s.labels, s.count, g.labels, g.count, shape, spacing);
      expect(rel(fast, brute), `seed ${seed}: ${fast} vs ${brute}`).toBeLessThan(1e-9);
    }
  });

  it('the object with the smallest lower bound is not always the nearest (hand-computed)', () => {
    // 4 x 4; prediction: one voxel at (0,0). Reference: G1 = {(0,1), (2,2)} (one label, lower bound 2,
    // Hausdorff 2 sqrt 2 from its far voxel), G2 = {(1,2)} (Hausdorff sqrt 5, the nearest).
    const pred = new Int32Array(16);
    pred[0] = 1;
    const target = new Int32Array(16);
    target[1] = 1;
    target[2 * 4 + 2] = 1;
    target[1 * 4 + 2] = 2;
    const m = computeObjectMetrics(pred, target, { shape: [4, 4], predIsInstanceMap: true, targetIsInstanceMap: true });
    const hS = Math.sqrt(5);
    const hG = (2 / 3) * 2 * Math.SQRT2 + (1 / 3) * Math.sqrt(5);
    expect(m.objectHausdorff).toBeCloseTo((hS + hG) / 2, 12);
  });

  it('single pairs of arbitrary (possibly disconnected, concave) voxel sets, 2D and anisotropic 3D', () => {
    // One object per side: the metric is the pair's Hausdorff distance.
    const rnd = lcg(7);
    for (let trial = 0; trial < 120; trial++) {
      const is3d = trial % 3 === 2;
      const shape = is3d ? [5, 9, 11] : [17, 23];
      const spacing = is3d ? [2.5, 1, 0.7] : trial % 2 === 0 ? [1, 1] : [1.3, 0.6];
      const size = shape.reduce((a, b) => a * b, 1);
      const a = new Int32Array(size);
      const b = new Int32Array(size);
      // A: dense random or a union of boxes (large, concave); B: a few voxels somewhere
      const dense = rnd() < 0.5;
      for (let k = 0; k < size; k++) if (dense ? rnd() < 0.3 : false) a[k] = 1;
      if (!dense) {
        const w = shape[shape.length - 1];
        const h = shape[shape.length - 2];
        for (let r = 0; r < 3; r++) {
          const y0 = Math.floor(rnd() * h);
          const x0 = Math.floor(rnd() * w);
          const y1 = Math.min(h, y0 + 1 + Math.floor(rnd() * h));
          const x1 = Math.min(w, x0 + 1 + Math.floor(rnd() * 4));
          for (let k = 0; k < size; k++) {
            const y = Math.floor(k / w) % h;
            const x = k % w;
            if (y >= y0 && y < y1 && x >= x0 && x < x1 && (!is3d || rnd() < 0.8)) a[k] = 1;
          }
        }
      }
      const nb = 1 + Math.floor(rnd() * 4);
      for (let q = 0; q < nb; q++) b[Math.floor(rnd() * size)] = 1;
      if (!a.includes(1)) a[0] = 1;
      const opts = { shape, spacing, predIsInstanceMap: true, targetIsInstanceMap: true };
      const fast = computeObjectMetrics(a, b, opts).objectHausdorff as number;
      const brute = bruteObjectHausdorff(a, 1, b, 1, shape, spacing);
      expect(rel(fast, brute), `trial ${trial}: ${fast} vs ${brute}`).toBeLessThan(1e-9);
      // and the other way round
      expect(rel(computeObjectMetrics(b, a, opts).objectHausdorff as number, brute)).toBeLessThan(1e-9);
    }
  });

  it('large concave objects spanning many boundary tiles against small far objects', () => {
    const rnd = lcg(31);
    const shape = [70, 90];
    for (let trial = 0; trial < 8; trial++) {
      const big = new Int32Array(70 * 90);
      // union of random boxes with random holes: concave, many boundary voxels, several 16 x 16 tiles
      for (let r = 0; r < 6; r++) {
        const y0 = Math.floor(rnd() * 60);
        const x0 = Math.floor(rnd() * 80);
        paint(big, shape, y0 + 5, x0 + 5, 3 + rnd() * 20, 1, true);
      }
      for (let k = 0; k < big.length; k++) if (rnd() < 0.05) big[k] = 0;
      const small = new Int32Array(70 * 90);
      paint(small, shape, rnd() * 70, rnd() * 90, 1 + rnd() * 2, 1);
      paint(small, shape, rnd() * 70, rnd() * 90, 1 + rnd() * 2, 2);
      const opts = { shape, spacing: trial % 2 ? [1, 1] : [0.7, 1.1], predIsInstanceMap: true, targetIsInstanceMap: true };
      const s = compact(big);
      const g = compact(small);
      const brute = bruteObjectHausdorff(s.labels, s.count, g.labels, g.count, shape, opts.spacing);
      expect(rel(computeObjectMetrics(big, small, opts).objectHausdorff as number, brute), `trial ${trial}`).toBeLessThan(1e-9);
    }
  });

  it('a scattered object inside a filled one (read from the distance transform of the object box)', () => {
    const rnd = lcg(57);
    for (let trial = 0; trial < 6; trial++) {
      const is3d = trial % 2 === 1;
      const shape = is3d ? [6, 30, 34] : [48, 52];
      const spacing = is3d ? [2, 0.9, 1] : [1, 1];
      const size = shape.reduce((a, b) => a * b, 1);
      const w = shape[shape.length - 1];
      const h = shape[shape.length - 2];
      const filled = new Int32Array(size);
      const dots = new Int32Array(size);
      for (let k = 0; k < size; k++) {
        const y = Math.floor(k / w) % h;
        const x = k % w;
        // sparse dots inside the filled box, with its corners: the Hausdorff distance is the
        // largest gap between dots, read inside the box of the dots (trials 2 and 5: the filled
        // object reaches 4 voxels beyond that box)
        const beyond = trial % 3 === 2 ? 4 : 0;
        const y0 = 5;
        const y1 = h - 6;
        const x0 = 6;
        const x1 = w - 7;
        if (y >= y0 && y < y1 + beyond && x >= x0 && x < x1 + beyond) filled[k] = 1;
        const corner = (y === y0 || y === y1 - 1) && (x === x0 || x === x1 - 1);
        if (y >= y0 && y < y1 && x >= x0 && x < x1 && (corner || rnd() < 0.03)) dots[k] = 1;
      }
      const opts = { shape, spacing, predIsInstanceMap: true, targetIsInstanceMap: true };
      const brute = bruteObjectHausdorff(filled, 1, dots, 1, shape, spacing);
      expect(rel(computeObjectMetrics(filled, dots, opts).objectHausdorff as number, brute), `trial ${trial}`).toBeLessThan(1e-9);
      expect(rel(computeObjectMetrics(dots, filled, opts).objectHausdorff as number, brute), `trial ${trial}`).toBeLessThan(1e-9);
    }
  });

  it('the farthest voxel can be inside the object (ring around a disc with a spur)', () => {
    const shape = [25, 25];
    const ring = new Int32Array(625);
    const disc = new Int32Array(625);
    for (let y = 0; y < 25; y++) {
      for (let x = 0; x < 25; x++) {
        const r = Math.hypot(y - 12, x - 12);
        if (r >= 10 && r < 11) ring[y * 25 + x] = 1;
        if (r <= 4 || (y === 12 && x >= 12 && x <= 22)) disc[y * 25 + x] = 1;
      }
    }
    const opts = { shape, predIsInstanceMap: true, targetIsInstanceMap: true };
    const fast = computeObjectMetrics(disc, ring, opts).objectHausdorff as number;
    expect(rel(fast, bruteObjectHausdorff(disc, 1, ring, 1, shape, [1, 1]))).toBeLessThan(1e-9);
  });

  it('agrees with the golden values (challenge-code re-implementation) to 1e-9', () => {
    for (const c of loadGolden().objectCases) {
      const opts = { shape: c.shape, spacing: c.spacing, targetIsInstanceMap: true };
      const fast = evaluateObjectMetrics(decodeRle(c.pred), decodeRle(c.target), opts, 't', objectHausdorffFast).objectHausdorff as number;
      const ref = evaluateObjectMetrics(decodeRle(c.pred), decodeRle(c.target), opts, 't', objectHausdorffReference).objectHausdorff as number;
      expect(close(fast, c.metrics.objectHausdorff, 1e-9), `${c.name}: ${fast} vs ${c.metrics.objectHausdorff}`).toBe(true);
      expect(close(fast, ref, 1e-9)).toBe(true);
    }
  });
});
