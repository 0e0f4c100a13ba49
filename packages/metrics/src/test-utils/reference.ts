/**
 * Naive float64 reference for the surface-distance metrics, written independently of the package
 * code: explicit neighbour tests for the surface, brute-force pairwise distances, full sort for the
 * percentile. Only for tiny inputs in tests.
 */
function coords(k: number, shape: number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    c[a] = k % shape[a];
    k = Math.floor(k / shape[a]);
  }
  return c;
}

function index(c: number[], shape: number[]): number {
  let k = 0;
  for (let a = 0; a < shape.length; a++) k = k * shape[a] + c[a];
  return k;
}

export function naiveSurface(mask: ArrayLike<number>, shape: number[]): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < mask.length; k++) {
    if (mask[k] === 0) continue;
    const c = coords(k, shape);
    let border = false;
    for (let a = 0; a < shape.length && !border; a++) {
      for (const d of [-1, 1]) {
        const n = c.slice();
        n[a] += d;
        if (n[a] < 0 || n[a] >= shape[a] || mask[index(n, shape)] === 0) border = true;
      }
    }
    if (border) out.push(c);
  }
  return out;
}

function directed(from: number[][], to: number[][], spacing: number[]): number[] {
  return from.map((p) => {
    let best = Infinity;
    for (const q of to) {
      let s = 0;
      for (let a = 0; a < p.length; a++) s += ((p[a] - q[a]) * spacing[a]) ** 2;
      if (s < best) best = s;
    }
    return Math.sqrt(best);
  });
}

export function naiveDistanceMetrics(pred: ArrayLike<number>, target: ArrayLike<number>, shape: number[], spacing: number[]) {
  const sp = naiveSurface(pred, shape);
  const st = naiveSurface(target, shape);
  const f = directed(sp, st, spacing);
  const b = directed(st, sp, spacing);
  const all = [...f, ...b].sort((x, y) => x - y);
  const r = 0.95 * (all.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  const hd95 = all[lo] + (all[hi] - all[lo]) * (r - lo);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  return { hd: all[all.length - 1], hd95, asd: mean(f), assd: (mean(f) + mean(b)) / 2, forward: f };
}

/** Seeded LCG in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function randomBlobMask(shape: number[], seed: number, blobs = 3): Uint8Array {
  const rnd = lcg(seed);
  let size = 1;
  for (const n of shape) size *= n;
  const m = new Uint8Array(size);
  for (let b = 0; b < blobs; b++) {
    const c = shape.map((n) => rnd() * n);
    const r = shape.map((n) => 1 + rnd() * n * 0.3);
    for (let k = 0; k < size; k++) {
      const p = coords(k, shape);
      let s = 0;
      for (let a = 0; a < shape.length; a++) s += ((p[a] - c[a]) / r[a]) ** 2;
      if (s <= 1) m[k] = 1;
    }
  }
  return m;
}
