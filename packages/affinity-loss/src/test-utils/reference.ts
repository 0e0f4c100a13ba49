// Float64 reference implementations written from docs/method.md with plain loops, for the tests only.

export type Matrix = Float64Array[];

/** Deterministic uniforms in [0, 1) (xorshift32), independent of the package's code. */
export function uniforms(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function randomMatrix(rows: number, cols: number, seed: number, normalise = true): Matrix {
  const u = uniforms(seed);
  const m: Matrix = [];
  for (let i = 0; i < rows; i++) {
    const r = new Float64Array(cols);
    for (let j = 0; j < cols; j++) r[j] = 2 * u() - 1;
    if (normalise) {
      const norm = Math.sqrt(r.reduce((a, v) => a + v * v, 0));
      for (let j = 0; j < cols; j++) r[j] /= norm;
    }
    m.push(r);
  }
  return m;
}

export function randomProbabilities(rows: number, k: number, seed: number, sharpness = 3): Matrix {
  const u = uniforms(seed);
  const m: Matrix = [];
  for (let i = 0; i < rows; i++) {
    const r = new Float64Array(k);
    let total = 0;
    for (let j = 0; j < k; j++) {
      r[j] = Math.exp(sharpness * 2 * u());
      total += r[j];
    }
    for (let j = 0; j < k; j++) r[j] /= total;
    m.push(r);
  }
  return m;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** log softmax of a row, via the max shift. */
export function logSoftmaxRow(x: number[]): number[] {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  let s = 0;
  for (const v of x) s += Math.exp(v - max);
  const lse = max + Math.log(s);
  return x.map((v) => v - lse);
}

export function refTargetGraph(q: Matrix, threshold: number): Matrix {
  const n = q.length;
  const w: Matrix = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    let total = 0;
    for (let j = 0; j < n; j++) {
      let v = i === j ? 1 : dot(q[i], q[j]);
      if (i !== j && v < threshold) v = 0;
      row[j] = v;
      total += v;
    }
    for (let j = 0; j < n; j++) row[j] /= total;
    w.push(row);
  }
  return w;
}

export function refTargetLoss(zS: Matrix, zT: Matrix, q: Matrix, tau: number, threshold: number): number {
  const n = zS.length;
  const w = refTargetGraph(q, threshold);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const logS = logSoftmaxRow(zT.map((t) => dot(zS[i], t) / tau));
    for (let j = 0; j < n; j++) loss -= w[i][j] * logS[j];
  }
  return loss / n;
}

export function refRelationLoss(zS: Matrix, zT: Matrix, tauT: number, tauS: number): number {
  const n = zS.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const logT = logSoftmaxRow(zT.map((t) => dot(zT[i], t) / tauT));
    const logS = logSoftmaxRow(zT.map((t) => dot(zS[i], t) / tauS));
    for (let j = 0; j < n; j++) loss += Math.exp(logT[j]) * (logT[j] - logS[j]);
  }
  return loss / n;
}

export function refContrastive(
  zS: Matrix,
  zT: Matrix,
  groups: Array<{ positives: number[]; negatives: number[] }>,
  tau: number,
): number {
  let total = 0;
  let anchors = 0;
  for (const g of groups) {
    const pos = [...new Set(g.positives)];
    const neg = [...new Set(g.negatives)];
    if (pos.length < 2 || neg.length === 0) continue;
    for (const a of pos) {
      let la = 0;
      let count = 0;
      for (const p of pos) {
        if (p === a) continue;
        // -log(e^s_ap / (e^s_ap + sum_n e^s_an)) = logsumexp(s_ap, s_an...) - s_ap, with a max shift
        const sap = dot(zS[a], zT[p]) / tau;
        const all = [sap, ...neg.map((m) => dot(zS[a], zT[m]) / tau)];
        const max = Math.max(...all);
        const lse = max + Math.log(all.reduce((acc, v) => acc + Math.exp(v - max), 0));
        la += lse - sap;
        count++;
      }
      total += la / count;
      anchors++;
    }
  }
  return anchors === 0 ? 0 : total / anchors;
}

/** Central finite differences of f with respect to every entry of x (float64, step h). */
export function finiteDifferences(f: (x: Matrix) => number, x: Matrix, h = 1e-6): Matrix {
  const grad: Matrix = x.map((r) => new Float64Array(r.length));
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x[i].length; j++) {
      const keep = x[i][j];
      x[i][j] = keep + h;
      const up = f(x);
      x[i][j] = keep - h;
      const down = f(x);
      x[i][j] = keep;
      grad[i][j] = (up - down) / (2 * h);
    }
  }
  return grad;
}

export function flat(m: Matrix): number[] {
  return m.flatMap((r) => Array.from(r));
}

export function permuteRows(m: Matrix, perm: number[]): Matrix {
  return perm.map((p) => Float64Array.from(m[p]));
}
