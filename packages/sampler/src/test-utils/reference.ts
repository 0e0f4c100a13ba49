// Float64 reference implementations written from docs/method.md with plain loops, for the tests only.

/** Deterministic uniforms in [0, 1) (xorshift32), independent of the package's generator. */
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

/** Random confidence maps [N,H,W,K] (softmax of random logits times `sharpness`). */
export function randomConfidence(n: number, h: number, w: number, k: number, seed: number, sharpness = 4): Float64Array {
  const u = uniforms(seed);
  const out = new Float64Array(n * h * w * k);
  for (let p = 0; p < n * h * w; p++) {
    let total = 0;
    for (let c = 0; c < k; c++) {
      out[p * k + c] = Math.exp(sharpness * u());
      total += out[p * k + c];
    }
    for (let c = 0; c < k; c++) out[p * k + c] /= total;
  }
  return Float64Array.from(Float32Array.from(out)); // float32-representable, as the tensors see them
}

export function randomValues(length: number, seed: number): Float64Array {
  const u = uniforms(seed);
  return Float64Array.from(Float32Array.from({ length }, () => u()));
}

function binaryEntropyBits(p: number): number {
  const term = (x: number) => (x > 0 ? x * Math.log2(x) : 0);
  return -(term(p) + term(1 - p));
}

/**
 * APE and mean confidence of every patch, from the definitions: binary entropy averaged over the
 * patch, and the entropy (base 2, divided by log2 B) of the confidence-weighted intensity histogram.
 */
export function refAveragePatchEntropy(
  conf: Float64Array,
  shape: [number, number, number, number],
  opts: { patchSize: number; stride: number; beta: number; bins: number; intensity?: Float64Array; channels?: number },
): { ape: Float64Array; mu: Float64Array; rows: number; cols: number } {
  const [n, h, w, k] = shape;
  const { patchSize: ps, stride, beta, bins } = opts;
  const rows = Math.floor((h - ps) / stride) + 1;
  const cols = Math.floor((w - ps) / stride) + 1;
  const ape = new Float64Array(n * rows * cols * k);
  const mu = new Float64Array(n * rows * cols * k);
  const ch = opts.channels ?? 1;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        for (let cls = 0; cls < k; cls++) {
          let hConf = 0;
          let m = 0;
          const hist = new Float64Array(bins);
          for (let y = r * stride; y < r * stride + ps; y++) {
            for (let x = c * stride; x < c * stride + ps; x++) {
              const pix = (b * h + y) * w + x;
              const p = conf[pix * k + cls];
              m += p;
              hConf += binaryEntropyBits(p);
              if (opts.intensity) {
                let v = 0;
                for (let j = 0; j < ch; j++) v += opts.intensity[pix * ch + j];
                v /= ch;
                const bin = Math.min(bins - 1, Math.max(0, Math.floor(v * bins)));
                hist[bin] += p;
              }
            }
          }
          const area = ps * ps;
          let hInt = 0;
          const total = hist.reduce((a, v) => a + v, 0);
          if (total > 0) for (const v of hist) if (v > 0) hInt -= (v / total) * Math.log2(v / total);
          hInt /= Math.log2(bins);
          const o = ((b * rows + r) * cols + c) * k + cls;
          mu[o] = m / area;
          ape[o] = opts.intensity ? (1 - beta) * (hConf / area) + beta * hInt : hConf / area;
        }
      }
    }
  }
  return { ape, mu, rows, cols };
}

/** Upper 5-sigma binomial bound check: |observed - n p| <= 5 sqrt(n p (1 - p)) + 1. */
export function withinFiveSigma(observed: number, trials: number, p: number): boolean {
  return Math.abs(observed - trials * p) <= 5 * Math.sqrt(trials * p * (1 - p)) + 1;
}
