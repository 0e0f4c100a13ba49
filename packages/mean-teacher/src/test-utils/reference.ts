/**
 * Float64 reference implementations written with plain loops, for tests only (not shipped).
 * Layout: row-major, classes last: logits[p * K + k] for pixel p.
 */

/** Softmax over the last axis of a [P, K] array. */
export function softmax64(logits: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let p = 0; p < logits.length / k; p++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[p * k + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[p * k + c] - max);
    for (let c = 0; c < k; c++) out[p * k + c] = Math.exp(logits[p * k + c] - max) / sum;
  }
  return out;
}

/** One-hot [P, K] of integer labels. */
export function oneHot64(labels: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(labels.length * k);
  for (let p = 0; p < labels.length; p++) out[p * k + labels[p]] = 1;
  return out;
}

/** Per-pixel cross-entropy -sum_k y log softmax(z). */
export function crossEntropy64(logits: ArrayLike<number>, target: ArrayLike<number>, k: number): Float64Array {
  const prob = softmax64(logits, k);
  const out = new Float64Array(logits.length / k);
  for (let p = 0; p < out.length; p++) {
    let s = 0;
    for (let c = 0; c < k; c++) if (target[p * k + c] !== 0) s -= target[p * k + c] * Math.log(prob[p * k + c]);
    out[p] = s;
  }
  return out;
}

/** Options of diceLoss64, matching softDiceLoss. */
export interface Dice64Options {
  includeBackground: boolean;
  smoothNr: number;
  smoothDr: number;
  softmax: boolean;
  squaredDenominator: boolean;
  batch: boolean;
}

/**
 * Per-class (batch) or per-image-and-class soft Dice losses, written after SSL4MIS `DiceLoss._dice_loss`:
 * intersect = sum(score * target); y_sum = sum(target * target); z_sum = sum(score * score);
 * loss = 1 - (2 * intersect + smooth) / (z_sum + y_sum + smooth).
 */
export function diceLoss64(input: ArrayLike<number>, target: ArrayLike<number>, n: number, k: number, o: Dice64Options): number[] {
  const prob = o.softmax ? softmax64(input, k) : Float64Array.from(input);
  const pixelsPerImage = input.length / k / n;
  const first = o.includeBackground ? 0 : 1;
  const losses: number[] = [];
  const groups = o.batch ? [[0, n]] : Array.from({ length: n }, (_, i) => [i, i + 1]);
  for (const [from, to] of groups) {
    for (let c = first; c < k; c++) {
      let inter = 0;
      let zSum = 0;
      let ySum = 0;
      for (let img = from; img < to; img++) {
        for (let q = 0; q < pixelsPerImage; q++) {
          const i = (img * pixelsPerImage + q) * k + c;
          inter += prob[i] * target[i];
          zSum += o.squaredDenominator ? prob[i] * prob[i] : prob[i];
          ySum += o.squaredDenominator ? target[i] * target[i] : target[i];
        }
      }
      losses.push(1 - (2 * inter + o.smoothNr) / (zSum + ySum + o.smoothDr));
    }
  }
  return losses;
}

/** Central finite-difference gradient of f at x (float64). */
export function finiteDifference(f: (x: Float64Array) => number, x: ArrayLike<number>, eps = 1e-6): Float64Array {
  const base = Float64Array.from(x);
  const g = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const orig = base[i];
    base[i] = orig + eps;
    const up = f(base);
    base[i] = orig - eps;
    const down = f(base);
    base[i] = orig;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

/** Deterministic pseudo-random numbers in [-scale, scale) (mulberry32). */
export function seededValues(count: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (2 * u - 1) * scale;
  }
  return out;
}

/** Asserts every element of `actual` is within atol + rtol * |expected|. Returns the worst excess. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 0): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`element ${i}: ${actual[i]} vs expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}
