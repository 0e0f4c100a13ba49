import { SeededRandom } from './seeded-random';
import type { Slice2D } from './types';

/** An elliptical blob of background anatomy (fractions of the image size; intensity in [0, 1]). */
export interface PhantomBlob {
  cy: number;
  cx: number;
  ry: number;
  rx: number;
  angle: number;
  intensity: number;
}

/**
 * Anatomy of one synthetic "patient" (all lengths are fractions of the image size, angles in
 * radians). Slices of one patient share it; {@link cardiacPhantom} varies it along the long axis.
 */
export interface CardiacAnatomy {
  /** LV centre. */
  cy: number;
  cx: number;
  /** Direction from the LV centre to the RV (radians, image coordinates, y down). */
  rvAngle: number;
  /** LV cavity radius at the base, and its aspect ratio (ry / rx) and tilt. */
  lvRadius: number;
  lvAspect: number;
  lvTilt: number;
  /** Myocardial wall thickness. */
  myoThickness: number;
  /** RV size relative to the LV radius (along the septum, and across it). */
  rvLength: number;
  rvWidth: number;
  /** Mean intensities of LV blood, myocardium, RV blood, body tissue, outside air. */
  intensity: { lv: number; myo: number; rv: number; tissue: number; air: number };
  /** Body outline (ellipse centred near the image centre). */
  body: { cy: number; cx: number; ry: number; rx: number };
  /** Background anatomy drawn under the heart: dark (lung-like) and bright (fat/vessel-like) blobs. */
  blobs: PhantomBlob[];
  /** Papillary muscles inside the LV: angle around the cavity and radius (fraction of the LV radius). */
  papillary: Array<{ angle: number; radius: number }>;
  /** Bias field coefficients: `exp(sum a_k cos(2 pi (fy_k y + fx_k x) + phase_k))`. */
  bias: Array<{ a: number; fy: number; fx: number; phase: number }>;
  /** Noise standard deviation (of each Rician component). */
  noiseStd: number;
}

/**
 * Draws a random {@link CardiacAnatomy}. Ranges are chosen so that the heart covers roughly the
 * proportion it has in ACDC short-axis slices cropped to the thorax, blood and bright background
 * blobs overlap in intensity (so shape and context are needed, not just a threshold), and the
 * RV/LV/Myo sizes vary between patients.
 * @example const a = sampleCardiacAnatomy(new SeededRandom(7));
 */
export function sampleCardiacAnatomy(rng: SeededRandom): CardiacAnatomy {
  const lv = rng.uniform(0.72, 0.92);
  const rvAngle = Math.PI + rng.uniform(-0.7, 0.7) + (rng.bernoulli(0.15) ? Math.PI * 0.5 * (rng.bernoulli(0.5) ? 1 : -1) : 0);
  const anatomy: CardiacAnatomy = {
    cy: 0.5 + rng.uniform(-0.1, 0.1),
    cx: 0.5 + rng.uniform(-0.08, 0.12),
    rvAngle,
    lvRadius: rng.uniform(0.075, 0.125),
    lvAspect: rng.uniform(0.8, 1.25),
    lvTilt: rng.uniform(0, Math.PI),
    myoThickness: rng.uniform(0.022, 0.04),
    rvLength: rng.uniform(1.15, 1.6),
    rvWidth: rng.uniform(0.55, 0.9),
    intensity: {
      lv: lv,
      myo: rng.uniform(0.22, 0.36),
      rv: lv * rng.uniform(0.85, 1.0),
      tissue: rng.uniform(0.3, 0.45),
      air: rng.uniform(0.0, 0.05),
    },
    body: { cy: 0.5 + rng.uniform(-0.03, 0.03), cx: 0.5 + rng.uniform(-0.03, 0.03), ry: rng.uniform(0.4, 0.5), rx: rng.uniform(0.44, 0.52) },
    blobs: [],
    papillary: [],
    bias: [],
    noiseStd: rng.uniform(0.015, 0.05),
  };
  // Lung-like dark regions on both sides, and bright vessel/fat/liver-like blobs.
  for (const side of [-1, 1]) {
    anatomy.blobs.push({
      cy: 0.5 + rng.uniform(-0.15, 0.05),
      cx: 0.5 + side * rng.uniform(0.25, 0.33),
      ry: rng.uniform(0.14, 0.22),
      rx: rng.uniform(0.08, 0.13),
      angle: rng.uniform(-0.4, 0.4),
      intensity: rng.uniform(0.02, 0.12),
    });
  }
  // Clutter: bright blobs (fat, vessels), then dark ones (air, lung), in this order of draws.
  const addBlobs = (count: number, radius: [number, number], intensity: [number, number]): void => {
    for (let i = 0; i < count; i++) {
      const r = rng.uniform(radius[0], radius[1]);
      anatomy.blobs.push({
        cy: rng.uniform(0.15, 0.85),
        cx: rng.uniform(0.15, 0.85),
        ry: r * rng.uniform(0.7, 1.4),
        rx: r * rng.uniform(0.7, 1.4),
        angle: rng.uniform(0, Math.PI),
        intensity: rng.uniform(intensity[0], intensity[1]),
      });
    }
  };
  addBlobs(2 + rng.int(3), [0.025, 0.07], [0.65, 0.95]);
  addBlobs(1 + rng.int(3), [0.02, 0.05], [0.15, 0.3]);
  const npap = 1 + rng.int(2);
  for (let i = 0; i < npap; i++) anatomy.papillary.push({ angle: rng.uniform(0, 2 * Math.PI), radius: rng.uniform(0.15, 0.25) });
  for (let k = 0; k < 3; k++) {
    anatomy.bias.push({ a: rng.uniform(-0.15, 0.15), fy: rng.uniform(-0.8, 0.8), fx: rng.uniform(-0.8, 0.8), phase: rng.uniform(0, 2 * Math.PI) });
  }
  return anatomy;
}

/** Options of {@link cardiacPhantom}. */
export interface CardiacPhantomOptions {
  /** Image size (square). Default 128. */
  size?: number;
  /** Seed of the anatomy (when `anatomy` is not given) and of the per-slice variation and noise. Default 0. */
  seed?: number;
  /** Anatomy to render (default: drawn from `seed`). Slices of one patient share it. */
  anatomy?: CardiacAnatomy;
  /** Position along the long axis, 0 = base, 1 = apex: the LV shrinks, the RV shrinks and vanishes near the apex. Default 0.3. */
  sliceLevel?: number;
  /** Per-slice jitter of centre and radii (fraction of the size / relative). Default 0.01. */
  jitter?: number;
  /** Noise model: `'rician'` (MR magnitude, default) or `'gaussian'`. */
  noise?: 'rician' | 'gaussian' | 'none';
  /** Multiply the anatomy's noise level. Default 1. */
  noiseScale?: number;
  /** Slice id (default `cardiac_<seed>`). */
  id?: string;
  /** Case id (default = id). */
  caseId?: string;
}

/** Soft membership of an ellipse with anti-aliased edge (width ~1 pixel); also returns the hard test. */
function ellipseDistance(y: number, x: number, cy: number, cx: number, ry: number, rx: number, cos: number, sin: number): number {
  const dy = y - cy;
  const dx = x - cx;
  const u = cos * dx + sin * dy;
  const v = -sin * dx + cos * dy;
  const r = Math.sqrt((u / rx) ** 2 + (v / ry) ** 2);
  return (r - 1) * Math.min(rx, ry); // approximate signed distance in pixels
}

const soft = (d: number) => (d > 4 ? 0 : d < -4 ? 1 : 1 / (1 + Math.exp(d * 2.5)));

/**
 * Tables for `sum_k a_k cos(2 pi (fy_k y + fx_k x) / S + phi_k)` on pixel centres (or corners):
 * cos(A + B) = cos A cos B - sin A sin B with A from the row, B from the column.
 */
function waveField(waves: ReadonlyArray<{ a: number; fy: number; fx: number; phase: number }>, S: number, offset: number): Float32Array {
  const out = new Float32Array(S * S);
  for (const w of waves) {
    const cy = new Float64Array(S);
    const sy = new Float64Array(S);
    const cx = new Float64Array(S);
    const sx = new Float64Array(S);
    for (let i = 0; i < S; i++) {
      const ay = (2 * Math.PI * w.fy * (i + offset)) / S + w.phase;
      const ax = (2 * Math.PI * w.fx * (i + offset)) / S;
      cy[i] = Math.cos(ay);
      sy[i] = Math.sin(ay);
      cx[i] = Math.cos(ax);
      sx[i] = Math.sin(ax);
    }
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) out[y * S + x] += w.a * (cy[y] * cx[x] - sy[y] * sx[x]);
    }
  }
  return out;
}

/**
 * A synthetic short-axis cardiac MR slice with ground truth (ACDC classes: 0 background, 1 RV,
 * 2 myocardium, 3 LV blood pool). Rendering: body ellipse of tissue in air; lung-like dark and
 * vessel/fat-like bright blobs (bright ones as bright as blood, so intensity alone does not
 * segment); the LV cavity (bright ellipse with 1-2 dark papillary muscles, labeled LV as in ACDC)
 * inside a darker myocardial ring; the RV a bright crescent wrapped around the septum on one side,
 * with a thin dark free wall (background). Edges are anti-aliased, then a smooth multiplicative
 * bias field `exp(sum_k a_k cos(2 pi f_k . p + phi_k))`, then Rician noise
 * `sqrt((s + n1)^2 + n2^2)`, `n1, n2 ~ N(0, sigma^2)` (or Gaussian), then clipping to [0, 1].
 *
 * @returns a Slice2D, image `[size, size, 1]` in [0, 1], label `[size, size]` in {0, 1, 2, 3}.
 * @example const s = cardiacPhantom({ size: 128, seed: 3, sliceLevel: 0.5 });
 */
export function cardiacPhantom(options: CardiacPhantomOptions = {}): Slice2D {
  const { size = 128, seed = 0, sliceLevel = 0.3, jitter = 0.01, noise = 'rician', noiseScale = 1 } = options;
  if (!(Number.isInteger(size) && size >= 8)) throw new Error(`cardiacPhantom: argument 'options.size' must be an integer >= 8, got ${size}`);
  if (!(sliceLevel >= 0 && sliceLevel <= 1)) throw new Error(`cardiacPhantom: argument 'options.sliceLevel' must be in [0, 1], got ${sliceLevel}`);
  const anatomy = options.anatomy ?? sampleCardiacAnatomy(new SeededRandom(seed));
  const rng = new SeededRandom(seed * 7919 + Math.round(sliceLevel * 1000) + 17);
  const S = size;
  const j = () => rng.uniform(-jitter, jitter);
  // Long-axis variation: the LV narrows towards the apex, the RV narrows faster and disappears.
  const lvScale = 1 - 0.55 * sliceLevel;
  const rvScale = Math.max(0, 1 - 1.15 * sliceLevel);
  const cy = (anatomy.cy + j()) * S;
  const cx = (anatomy.cx + j()) * S;
  const lvR = anatomy.lvRadius * lvScale * (1 + j() * 5) * S;
  const lvRy = lvR * Math.sqrt(anatomy.lvAspect);
  const lvRx = lvR / Math.sqrt(anatomy.lvAspect);
  const t = anatomy.myoThickness * (1 + 0.2 * sliceLevel) * S;
  const tilt = anatomy.lvTilt;
  const ct = Math.cos(tilt);
  const st = Math.sin(tilt);
  const rvDir = anatomy.rvAngle + j() * 5;
  const outerR = Math.max(lvRy, lvRx) + t;
  // RV: an ellipse whose inner edge lies inside the LV, minus the myocardium -> a crescent that
  // wraps around the septum; it thins with rvScale and vanishes when it no longer clears the wall.
  const rvAlong = anatomy.rvWidth * outerR * rvScale + 1e-6;
  const rvAcross = anatomy.rvLength * outerR * Math.max(rvScale, 0.4);
  const rvDist = 0.3 * outerR + rvAlong;
  const rvCy = cy + Math.sin(rvDir) * rvDist;
  const rvCx = cx + Math.cos(rvDir) * rvDist;
  // The RV ellipse's short axis points along rvDir.
  const rc = Math.cos(rvDir);
  const rs = Math.sin(rvDir);
  const wall = Math.max(0.6, S / 128);
  const { intensity: I, body } = anatomy;
  const image = new Float32Array(S * S);
  const label = new Uint8Array(S * S);
  const blobs = anatomy.blobs.map((b) => ({ ...b, c: Math.cos(b.angle), s: Math.sin(b.angle) }));
  const pap = anatomy.papillary.map((p) => ({
    y: cy + Math.sin(p.angle) * lvR * 0.62,
    x: cx + Math.cos(p.angle) * lvR * 0.62,
    r: Math.max(0.8, p.radius * lvR),
  }));
  // Low-frequency tissue texture (shared by the patient's slices through the anatomy seed).
  const texture = waveField(anatomy.bias.map((b) => ({ ...b, a: 0.25 * b.a, fy: b.fy * 3, fx: b.fx * 3 })), S, 0.5);
  const biasField = waveField(anatomy.bias, S, 0);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const py = y + 0.5;
      const px = x + 0.5;
      // body and air
      const db = ellipseDistance(py, px, body.cy * S, body.cx * S, body.ry * S, body.rx * S, 1, 0);
      let v = I.air + (I.tissue * (1 + texture[y * S + x]) - I.air) * soft(db);
      for (const b of blobs) {
        const d = ellipseDistance(py, px, b.cy * S, b.cx * S, b.ry * S, b.rx * S, b.c, b.s);
        if (d < 3) v += (b.intensity - v) * soft(d) * soft(db);
      }
      // heart: myocardium (outer ellipse), RV, LV
      const dOuter = ellipseDistance(py, px, cy, cx, lvRy + t, lvRx + t, ct, st);
      const dLv = ellipseDistance(py, px, cy, cx, lvRy, lvRx, ct, st);
      const dRv = rvScale > 0 ? ellipseDistance(py, px, rvCy, rvCx, rvAcross, rvAlong, rc, rs) : Infinity;
      let lab = 0;
      // RV: inside the RV ellipse and outside the myocardium; its free wall is a thin dark rim
      if (dRv < wall + 2) {
        const mWall = soft(dRv - wall);
        v += (I.myo * 1.1 - v) * mWall;
        const mRv = soft(dRv) * (1 - soft(dOuter));
        v += (I.rv - v) * mRv;
        if (dRv < 0 && dOuter >= 0) lab = 1;
      }
      if (dOuter < 2) {
        v += (I.myo - v) * soft(dOuter);
        if (dOuter < 0) lab = 2;
      }
      if (dLv < 2) {
        v += (I.lv - v) * soft(dLv);
        if (dLv < 0) lab = 3;
        for (const p of pap) {
          const dp = Math.hypot(py - p.y, px - p.x) - p.r;
          if (dp < 2) v += (I.myo * 1.2 - v) * soft(dp) * soft(dLv);
        }
      }
      image[y * S + x] = v;
      label[y * S + x] = lab;
    }
  }
  // bias field, noise, clipping
  const sigma = anatomy.noiseStd * noiseScale;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let v = image[y * S + x] * Math.exp(biasField[y * S + x]);
      if (noise === 'rician') v = Math.sqrt((v + rng.normal(0, sigma)) ** 2 + rng.normal(0, sigma) ** 2);
      else if (noise === 'gaussian') v += rng.normal(0, sigma);
      image[y * S + x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  const id = options.id ?? `cardiac_${seed}`;
  return { id, caseId: options.caseId ?? id, image, label, height: S, width: S, channels: 1, originalHeight: S, originalWidth: S };
}

