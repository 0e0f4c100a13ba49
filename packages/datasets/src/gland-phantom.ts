import { SeededRandom } from './seeded-random';
import type { Slice2D } from './types';

/** Options of {@link glandPhantom}. */
export interface GlandPhantomOptions {
  /** Tile size (square). Default 128. */
  size?: number;
  /** Seed. Default 0. */
  seed?: number;
  /** Number of glands to try to place (fewer when they do not fit). Default `round(size^2 / 3000)` clamped to 2..40. */
  glands?: number;
  /** Noise standard deviation. Default 0.03. */
  noiseStd?: number;
  /** Slice id (default `gland_<seed>`). */
  id?: string;
}

interface Gland {
  cy: number;
  cx: number;
  r: number;
  aspect: number;
  angle: number;
  harmonics: Array<{ k: number; a: number; phase: number }>;
  epithelium: number;
}

const STROMA = [0.93, 0.68, 0.8];
const STROMA_DARK = [0.83, 0.5, 0.68];
const EPITHELIUM = [0.72, 0.5, 0.76];
const LUMEN = [0.96, 0.92, 0.95];
const NUCLEUS = [0.33, 0.2, 0.52];

/**
 * A synthetic H&E-like gland histology tile with ground truth: pink fibrous stroma with scattered
 * dark stromal nuclei; glands = irregular closed contours `r(theta) = r0 (1 + sum_k a_k cos(k theta
 * + phi_k))`, each a ring of purple epithelium whose basal side carries a row of dark nuclei, around a
 * pale lumen. Glands do not overlap. Label: 1 inside a gland (epithelium + lumen), else 0; instances:
 * gland k -> k (1-based). Stromal nuclei share the glands' nuclear colour, so colour alone does not
 * segment. Gaussian noise, values clipped to [0, 1].
 *
 * @returns a Slice2D: image `[size, size, 3]` RGB in [0, 1], label `[size, size]` in {0, 1},
 *   instances Int32Array `[size, size]`.
 * @example const tile = glandPhantom({ size: 256, seed: 2 });
 */
export function glandPhantom(options: GlandPhantomOptions = {}): Slice2D {
  const { size = 128, seed = 0, noiseStd = 0.03 } = options;
  if (!(Number.isInteger(size) && size >= 16)) throw new Error(`glandPhantom: argument 'options.size' must be an integer >= 16, got ${size}`);
  const target = options.glands ?? Math.min(40, Math.max(2, Math.round((size * size) / 3000)));
  const rng = new SeededRandom(seed);
  const S = size;
  const glands: Gland[] = [];
  for (let attempt = 0; attempt < target * 40 && glands.length < target; attempt++) {
    const r = S * rng.uniform(0.07, 0.16);
    const g: Gland = {
      cy: rng.uniform(0, S),
      cx: rng.uniform(0, S),
      r,
      aspect: rng.uniform(0.6, 1.0),
      angle: rng.uniform(0, Math.PI),
      harmonics: [2, 3, 4].map((k) => ({ k, a: rng.uniform(0, 0.12 / (k - 1)), phase: rng.uniform(0, 2 * Math.PI) })),
      epithelium: r * rng.uniform(0.28, 0.42),
    };
    const maxR = g.r * 1.3;
    if (glands.every((o) => Math.hypot(o.cy - g.cy, o.cx - g.cx) > maxR + o.r * 1.3 + 3)) glands.push(g);
  }
  const image = new Float32Array(S * S * 3);
  const label = new Uint8Array(S * S);
  const instances = new Int32Array(S * S);
  // stroma texture: a few oriented fibre waves
  const fibres = Array.from({ length: 4 }, () => ({ f: rng.uniform(0.1, 0.35), angle: rng.uniform(0, Math.PI), phase: rng.uniform(0, 6.3), a: rng.uniform(0.15, 0.35) }));
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let t = 0;
      for (const f of fibres) t += f.a * Math.cos(f.f * (Math.cos(f.angle) * x + Math.sin(f.angle) * y) + f.phase);
      const m = Math.min(1, Math.max(0, 0.5 + t * 0.6));
      for (let k = 0; k < 3; k++) image[(y * S + x) * 3 + k] = STROMA[k] * (1 - m) + STROMA_DARK[k] * m;
    }
  }
  const paint = (y: number, x: number, color: number[], alpha: number) => {
    const o = (y * S + x) * 3;
    for (let k = 0; k < 3; k++) image[o + k] += (color[k] - image[o + k]) * alpha;
  };
  const nucleus = (ny: number, nx: number, r: number) => {
    for (let y = Math.max(0, Math.floor(ny - r - 1)); y <= Math.min(S - 1, Math.ceil(ny + r + 1)); y++) {
      for (let x = Math.max(0, Math.floor(nx - r - 1)); x <= Math.min(S - 1, Math.ceil(nx + r + 1)); x++) {
        const d = Math.hypot(y + 0.5 - ny, x + 0.5 - nx) - r;
        if (d < 1) paint(y, x, NUCLEUS, Math.min(1, Math.max(0, 0.5 - d)) * 0.9);
      }
    }
  };
  glands.forEach((g, gi) => {
    const ca = Math.cos(g.angle);
    const sa = Math.sin(g.angle);
    const radiusAt = (theta: number) => g.r * (1 + g.harmonics.reduce((s, h) => s + h.a * Math.cos(h.k * theta + h.phase), 0));
    const ext = g.r * 1.4;
    for (let y = Math.max(0, Math.floor(g.cy - ext)); y <= Math.min(S - 1, Math.ceil(g.cy + ext)); y++) {
      for (let x = Math.max(0, Math.floor(g.cx - ext)); x <= Math.min(S - 1, Math.ceil(g.cx + ext)); x++) {
        const dy = y + 0.5 - g.cy;
        const dx = x + 0.5 - g.cx;
        const u = ca * dx + sa * dy;
        const v = (-sa * dx + ca * dy) / g.aspect;
        const rho = Math.hypot(u, v);
        const rt = radiusAt(Math.atan2(v, u));
        const d = rho - rt;
        if (d < 1) {
          const a = Math.min(1, Math.max(0, 0.5 - d));
          const inner = rho - (rt - g.epithelium);
          const color = inner < 0 ? LUMEN : EPITHELIUM;
          paint(y, x, color, a * (inner < 0 ? Math.min(1, Math.max(0, 0.5 - inner)) : 1));
          if (inner >= 0 && inner < 1) paint(y, x, EPITHELIUM, Math.max(0, 1 - inner) * 0.5);
          if (d < 0) {
            label[y * S + x] = 1;
            instances[y * S + x] = gi + 1;
          }
        }
      }
    }
    // basal nuclei along the outer side of the epithelium
    const n = Math.max(6, Math.round((2 * Math.PI * g.r) / Math.max(3, S / 40)));
    for (let i = 0; i < n; i++) {
      const th = (2 * Math.PI * i) / n + rng.uniform(-0.1, 0.1);
      const rr = radiusAt(th) - g.epithelium * rng.uniform(0.25, 0.45);
      const u = rr * Math.cos(th);
      const v = rr * Math.sin(th) * g.aspect;
      nucleus(g.cy + sa * u + ca * v, g.cx + ca * u - sa * v, Math.max(0.8, S / 128) * rng.uniform(1.2, 1.8));
    }
  });
  // stromal nuclei (same colour as the glands' nuclei, outside glands)
  const stromal = Math.round((S * S) / 250);
  for (let i = 0; i < stromal; i++) {
    const ny = rng.uniform(0, S);
    const nx = rng.uniform(0, S);
    if (label[Math.min(S - 1, Math.floor(ny)) * S + Math.min(S - 1, Math.floor(nx))]) continue;
    nucleus(ny, nx, Math.max(0.7, S / 128) * rng.uniform(0.9, 1.6));
  }
  for (let i = 0; i < image.length; i++) {
    const v = image[i] + rng.normal(0, noiseStd);
    image[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  const id = options.id ?? `gland_${seed}`;
  return { id, caseId: id, image, label, instances, height: S, width: S, channels: 3, originalHeight: S, originalWidth: S };
}
