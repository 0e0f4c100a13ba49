import { type Box, boxShape, extractCrop, labelBoundingBoxes } from './bounding-box.js';
import { squaredDistanceToSites } from './euclidean-distance-transform.js';

/**
 * What the object Hausdorff needs from the rest of the GlaS metrics: the two instance label maps
 * (0 = background, objects 1..count), the matched partner of every object (0 when it overlaps
 * nothing) and the object areas. Internal.
 */
export interface ObjectHausdorffInput {
  shape: readonly number[];
  spacing: readonly number[];
  /** Segmented objects S_j, labels 1..predCount. */
  predLabels: Int32Array;
  predCount: number;
  /** Reference objects G_i, labels 1..targetCount. */
  targetLabels: Int32Array;
  targetCount: number;
  /** `matchS[j]` = G*(S_j) (0: no overlap); `matchG[i]` = S*(G_i). */
  matchS: Int32Array;
  matchG: Int32Array;
  /** Pixel counts per label (index 0 unused). */
  areaS: Float64Array;
  areaG: Float64Array;
  totalS: number;
  totalG: number;
}

/**
 * The GlaS weighting shared by the implementations:
 * `½ [Σ_j σ_j H(S_j, G*(S_j)) + Σ_i γ_i H(G_i, S*(G_i))]`, where an object without a match is paired
 * with the object of the other side at the smallest Hausdorff distance. Candidates of that search
 * are visited in increasing order of `lowerBound` (a lower bound of the pair's Hausdorff distance)
 * and the search stops once the bound exceeds the best distance found, so the minimum is exact.
 * `pairHausdorff(j, i)` is called at most once per pair.
 */
export function weightedObjectHausdorff(
  input: ObjectHausdorffInput,
  boxS: Array<Box | null>,
  boxG: Array<Box | null>,
  pairHausdorff: (j: number, i: number) => number,
  lowerBound: (a: Box, b: Box) => number,
): number {
  const { predCount: nS, targetCount: nG, matchS, matchG, areaS, areaG, totalS, totalG } = input;
  const cache = new Map<number, number>();
  const pairH = (j: number, i: number): number => {
    const key = j * (nG + 1) + i;
    let h = cache.get(key);
    if (h === undefined) {
      h = pairHausdorff(j, i);
      cache.set(key, h);
    }
    return h;
  };
  const nearest = (own: Box, others: Array<Box | null>, n: number, h: (o: number) => number): number => {
    const lb = new Float64Array(n + 1);
    for (let o = 1; o <= n; o++) lb[o] = lowerBound(own, others[o] as Box);
    lb[0] = Infinity;
    let best = Infinity;
    // Visit candidates by increasing bound (selection: only a few are visited before the bound exceeds best).
    for (;;) {
      let o = 0;
      for (let c = 1; c <= n; c++) if (lb[c] < lb[o]) o = c;
      if (o === 0 || lb[o] > best) break;
      lb[o] = Infinity;
      const v = h(o);
      if (v < best) best = v;
    }
    return best;
  };
  let hS = 0;
  for (let j = 1; j <= nS; j++) {
    const i = matchS[j];
    const h = i !== 0 ? pairH(j, i) : nearest(boxS[j] as Box, boxG, nG, (o) => pairH(j, o));
    hS += (areaS[j] / totalS) * h;
  }
  let hG = 0;
  for (let i = 1; i <= nG; i++) {
    const j = matchG[i];
    const h = j !== 0 ? pairH(j, i) : nearest(boxG[i] as Box, boxS, nS, (o) => pairH(o, i));
    hG += (areaG[i] / totalG) * h;
  }
  return (hS + hG) / 2;
}

/** Lower bound of any distance between voxels of two boxes (physical units). */
export function boxGap(a: Box, b: Box, spacing: readonly number[]): number {
  let s = 0;
  for (let ax = 0; ax < a.lo.length; ax++) {
    const gap = Math.max(0, b.lo[ax] - (a.hi[ax] - 1), a.lo[ax] - (b.hi[ax] - 1));
    const e = gap * spacing[ax];
    s += e * e;
  }
  return Math.sqrt(s);
}

/**
 * Lower bound of the Hausdorff distance between two objects with tight boxes `a` and `b`: the box
 * gap, and per axis the offset of the boxes' faces (if `b` reaches `t` voxels beyond `a` along an
 * axis, the voxel of `b` on that face is at least `t · spacing` away from every voxel of `a`).
 */
export function hausdorffLowerBound(a: Box, b: Box, spacing: readonly number[]): number {
  let lb = boxGap(a, b, spacing);
  for (let ax = 0; ax < a.lo.length; ax++) {
    const t = Math.max(Math.abs(a.lo[ax] - b.lo[ax]), Math.abs(a.hi[ax] - b.hi[ax])) * spacing[ax];
    if (t > lb) lb = t;
  }
  return lb;
}

/** Tile extent of the boundary chunks (in-plane, and along z in 3D). */
const TILE = 16;
const TILE_Z = 4;

/**
 * Per-side geometry computed once: boxes (as 3D `[z, y, x]`, z = 0 in 2D), the boundary voxels of
 * every object grouped by label (voxels with a face neighbour of another label or on the grid
 * border), and, lazily, each object's squared EDT inside its own box.
 */
class ObjectGeometry {
  readonly boxes: Array<Box | null>;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly start: Int32Array;
  readonly index: Int32Array;
  readonly bz: Int32Array;
  readonly by: Int32Array;
  readonly bx: Int32Array;
  /** Chunks of object c: chunkStart[c] .. chunkStart[c + 1] - 1; chunk q holds boundary voxels chunkFirst[q] .. chunkFirst[q + 1] - 1. */
  readonly chunkStart: Int32Array;
  readonly chunkFirst: Int32Array;
  /** Per chunk: inclusive box `[z0, y0, x0, z1, y1, x1]` of its voxels. */
  readonly chunkBox: Int32Array;
  /** Number of directions of `extremes`: 8 in 2D, 26 in 3D. */
  readonly directions: number;
  /** Per object and direction u, the boundary voxel (index into the boundary lists) maximising `u · (spacing ⊙ voxel)`. */
  readonly extremes: Int32Array;
  private readonly edt: Array<Float64Array | undefined>;

  constructor(
    readonly labels: Int32Array,
    readonly count: number,
    private readonly shape: readonly number[],
    private readonly spacing: readonly number[],
    d: number,
    h: number,
    w: number,
  ) {
    this.boxes = labelBoundingBoxes(labels, shape, count + 1);
    this.lo = new Int32Array(3 * (count + 1));
    this.hi = new Int32Array(3 * (count + 1));
    for (let c = 1; c <= count; c++) {
      const b = this.boxes[c] as Box;
      const o = 3 * c;
      if (b.lo.length === 3) {
        this.lo.set(b.lo, o);
        this.hi.set(b.hi, o);
      } else {
        this.lo.set([0, b.lo[0], b.lo[1]], o);
        this.hi.set([1, b.hi[0], b.hi[1]], o);
      }
    }
    const hw = h * w;
    const isBoundary = (k: number, z: number, y: number, x: number, c: number): boolean =>
      x === 0 || x === w - 1 || labels[k - 1] !== c || labels[k + 1] !== c ||
      y === 0 || y === h - 1 || labels[k - w] !== c || labels[k + w] !== c ||
      (d > 1 && (z === 0 || z === d - 1 || labels[k - hw] !== c || labels[k + hw] !== c));
    // Counting sort of the boundary voxels by label: count, prefix sums, fill.
    const counts = new Int32Array(count + 2);
    const flags = new Uint8Array(labels.length);
    let k = 0;
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++, k++) {
          const c = labels[k];
          if (c !== 0 && isBoundary(k, z, y, x, c)) {
            counts[c + 1]++;
            flags[k] = 1;
          }
        }
      }
    }
    for (let c = 1; c <= count + 1; c++) counts[c] += counts[c - 1];
    this.start = counts.slice();
    const n = counts[count + 1];
    this.index = new Int32Array(n);
    this.bz = new Int32Array(n);
    this.by = new Int32Array(n);
    this.bx = new Int32Array(n);
    // Fill tile by tile (TILE_Z x TILE x TILE voxels), so that each object's boundary voxels come
    // grouped in tiles ("chunks" with a box) that the directed distance can skip as a whole.
    const tile = new Int32Array(n);
    let tileKey = 0;
    for (let tz = 0; tz < d; tz += TILE_Z) {
      for (let ty = 0; ty < h; ty += TILE) {
        for (let tx = 0; tx < w; tx += TILE, tileKey++) {
          for (let z = tz; z < Math.min(d, tz + TILE_Z); z++) {
            for (let y = ty; y < Math.min(h, ty + TILE); y++) {
              for (let x = tx, kk = (z * h + y) * w + tx; x < Math.min(w, tx + TILE); x++, kk++) {
                if (flags[kk] === 0) continue;
                const t = counts[labels[kk]]++;
                this.index[t] = kk;
                this.bz[t] = z;
                this.by[t] = y;
                this.bx[t] = x;
                tile[t] = tileKey;
              }
            }
          }
        }
      }
    }
    const chunkFirst: number[] = [];
    const chunkBox: number[] = [];
    this.chunkStart = new Int32Array(count + 2);
    for (let c = 1; c <= count; c++) {
      this.chunkStart[c] = chunkFirst.length;
      let key = -1;
      for (let t = this.start[c]; t < this.start[c + 1]; t++) {
        const z = this.bz[t];
        const y = this.by[t];
        const x = this.bx[t];
        const kt = tile[t];
        if (kt !== key) {
          key = kt;
          chunkFirst.push(t);
          chunkBox.push(z, y, x, z, y, x);
        }
        const o = chunkBox.length - 6;
        if (z < chunkBox[o]) chunkBox[o] = z;
        if (y < chunkBox[o + 1]) chunkBox[o + 1] = y;
        if (x < chunkBox[o + 2]) chunkBox[o + 2] = x;
        if (z > chunkBox[o + 3]) chunkBox[o + 3] = z;
        if (y > chunkBox[o + 4]) chunkBox[o + 4] = y;
        if (x > chunkBox[o + 5]) chunkBox[o + 5] = x;
      }
    }
    this.chunkStart[count + 1] = chunkFirst.length;
    chunkFirst.push(n);
    this.chunkFirst = Int32Array.from(chunkFirst);
    this.chunkBox = Int32Array.from(chunkBox);
    const dirs: number[][] = [];
    for (let uz = d > 1 ? -1 : 0; uz <= (d > 1 ? 1 : 0); uz++) {
      for (let uy = -1; uy <= 1; uy++) for (let ux = -1; ux <= 1; ux++) if (uz !== 0 || uy !== 0 || ux !== 0) dirs.push([uz, uy, ux]);
    }
    const sz = d > 1 ? spacing[0] : 0;
    const sy = spacing[shape.length - 2];
    const sx = spacing[shape.length - 1];
    this.directions = dirs.length;
    this.extremes = new Int32Array((count + 1) * dirs.length);
    const ne = dirs.length;
    const bestV = new Float64Array(ne);
    for (let c = 1; c <= count; c++) {
      bestV.fill(-Infinity);
      for (let t = this.start[c]; t < this.start[c + 1]; t++) {
        const pz = sz * this.bz[t];
        const py = sy * this.by[t];
        const px = sx * this.bx[t];
        for (let e = 0; e < ne; e++) {
          const u = dirs[e];
          const v = u[0] * pz + u[1] * py + u[2] * px;
          if (v > bestV[e]) {
            bestV[e] = v;
            this.extremes[c * ne + e] = t;
          }
        }
      }
    }
    this.edt = new Array(count + 1);
  }

  /** Whether the EDT of object `c` is built. */
  hasEdt(c: number): boolean {
    return this.edt[c] !== undefined;
  }

  /** Squared EDT of object `c` over its own box (exact there: the box holds every site). */
  squaredEdt(c: number): Float64Array {
    let e = this.edt[c];
    if (e === undefined) {
      const box = this.boxes[c] as Box;
      e = squaredDistanceToSites(extractCrop(this.labels, this.shape, box, c), boxShape(box), this.spacing);
      this.edt[c] = e;
    }
    return e;
  }
}

/** Scratch buffers of the directed distance, grown on demand. */
interface Scratch {
  t: Int32Array;
  lb: Float64Array;
  order: number[];
}

/**
 * `max_{a ∈ A} d(a, B)^2`, exact, for object `a` of `A` and object `b` of `B`.
 *
 * - Voxels of A inside box(B): read from B's squared EDT over box(B) (exact inside the box: it
 *   holds every site), or, when the intersection is small against box(B), measured directly
 *   against the boundary voxels of B (0 for voxels of B).
 * - Voxels of A outside box(B): if `a` lies beyond box(B) along an axis, its neighbour one step
 *   further out along that axis is strictly farther from every voxel of B; so a maximiser outside
 *   the box is a boundary voxel of A whose outward neighbours (along every axis where it is outside)
 *   are not in A. Those candidates are visited in decreasing order of their distance to box(B)
 *   (a lower bound; plus the box diagonal, an upper bound) and stop once the upper bound cannot
 *   beat the maximum; each is measured exactly against the boundary voxels of B (the nearest voxel
 *   of B to a voxel outside B is a boundary voxel), stopping early once it cannot beat the maximum.
 *
 * Squared distances are formed in the order of the separable EDT (first axis `d0² w0`, then
 * `(w dx) dx + previous` per further axis) so the values match the distance transform.
 */
function directedSquared(A: ObjectGeometry, a: number, B: ObjectGeometry, b: number, dims: Dims, s: Scratch): number {
  const { d, h, w, wz, wy, wx, is3d } = dims;
  const hw = h * w;
  const la = A.labels;
  const oa = 3 * a;
  const ob = 3 * b;
  const bz0 = B.lo[ob];
  const by0 = B.lo[ob + 1];
  const bx0 = B.lo[ob + 2];
  const bz1 = B.hi[ob];
  const by1 = B.hi[ob + 1];
  const bx1 = B.hi[ob + 2];
  let best = 0;
  // 1. A ∩ box(B)
  const z0 = Math.max(A.lo[oa], bz0);
  const z1 = Math.min(A.hi[oa], bz1);
  const y0 = Math.max(A.lo[oa + 1], by0);
  const y1 = Math.min(A.hi[oa + 1], by1);
  const x0 = Math.max(A.lo[oa + 2], bx0);
  const x1 = Math.min(A.hi[oa + 2], bx1);
  const u0 = B.start[b];
  const u1 = B.start[b + 1];
  const ez = B.bz;
  const ey = B.by;
  const ex = B.bx;
  /** `d(voxel (z, y, x), B)^2` for a voxel outside B, or any value <= best when it cannot beat best. */
  const toBoundary = (z: number, y: number, x: number): number => {
    let m = Infinity;
    for (let u = u0; u < u1; u++) {
      const dz = z - ez[u];
      const dy = y - ey[u];
      const dx = x - ex[u];
      const v = is3d ? wx * dx * dx + (wy * dy * dy + dz * dz * wz) : wx * dx * dx + dy * dy * wy;
      if (v < m) {
        m = v;
        if (m <= best) return m;
      }
    }
    return m;
  };
  if (z0 < z1 && y0 < y1 && x0 < x1) {
    const eh = by1 - by0;
    const ew = bx1 - bx0;
    // The EDT of B costs a few passes over box(B), once per object; measuring the voxels of A \ B
    // in the intersection directly costs up to |∂B| each. Take the cheaper (the EDT when built).
    const lb = B.labels;
    let outside = 0;
    if (!B.hasEdt(b)) {
      for (let z = z0; z < z1; z++) {
        for (let y = y0; y < y1; y++) {
          const row = (z * h + y) * w;
          for (let x = x0; x < x1; x++) if (la[row + x] === a && lb[row + x] !== b) outside++;
        }
      }
    }
    const direct = !B.hasEdt(b) && outside * (u1 - u0) < 16 * (bz1 - bz0) * eh * ew;
    const e = direct ? null : B.squaredEdt(b);
    for (let z = z0; z < z1; z++) {
      for (let y = y0; y < y1; y++) {
        const row = (z * h + y) * w;
        const erow = ((z - bz0) * eh + (y - by0)) * ew - bx0;
        for (let x = x0; x < x1; x++) {
          if (la[row + x] !== a) continue;
          if (e === null) {
            if (lb[row + x] === b) continue;
            const v = toBoundary(z, y, x);
            if (v > best) best = v;
          } else {
            const v = e[erow + x];
            if (v > best) best = v;
          }
        }
      }
    }
  }
  // 2. Boundary voxels of A outside box(B) that can be maximisers.
  const t0 = A.start[a];
  const t1 = A.start[a + 1];
  const diag = Math.sqrt(wx * (bx1 - bx0 - 1) ** 2 + wy * (by1 - by0 - 1) ** 2 + wz * (bz1 - bz0 - 1) ** 2);
  /** Raises `best` to `d(boundary voxel t of A, B)^2` when larger (the voxel must lie outside box(B)). */
  const measure = (t: number): void => {
    const v = toBoundary(A.bz[t], A.by[t], A.bx[t]);
    if (v > best) best = v;
  };
  // Seed with A's extreme voxels (farthest along each of the 8 / 26 directions): usually near the maximum.
  const ne = A.directions;
  for (let e = a * ne; e < (a + 1) * ne; e++) {
    const t = A.extremes[e];
    const z = A.bz[t];
    const y = A.by[t];
    const x = A.bx[t];
    if (z < bz0 || z >= bz1 || y < by0 || y >= by1 || x < bx0 || x >= bx1) measure(t);
  }
  // A voxel at distance sqrt(lb) from box(B) is at most sqrt(lb) + diag from B: it can only beat
  // best when lb >= (sqrt(best) - diag)^2 (relative margin against rounding).
  const threshold = (): number => {
    const r = Math.sqrt(best) - diag;
    return r > 0 ? (r * (1 - 1e-12)) ** 2 : 0;
  };
  const thr = threshold();
  if (s.t.length < t1 - t0) {
    s.t = new Int32Array(t1 - t0);
    s.lb = new Float64Array(t1 - t0);
  }
  const ct = s.t;
  const clb = s.lb;
  let nc = 0;
  const cb = A.chunkBox;
  for (let q = A.chunkStart[a]; q < A.chunkStart[a + 1]; q++) {
    // skip the chunk when no voxel of it is far enough from box(B)
    const o = 6 * q;
    const qz = Math.max(bz0 - cb[o], cb[o + 3] - (bz1 - 1), 0);
    const qy = Math.max(by0 - cb[o + 1], cb[o + 4] - (by1 - 1), 0);
    const qx = Math.max(bx0 - cb[o + 2], cb[o + 5] - (bx1 - 1), 0);
    if (wx * qx * qx + (wy * qy * qy + qz * qz * wz) < thr) continue;
    for (let t = A.chunkFirst[q]; t < A.chunkFirst[q + 1]; t++) {
      const z = A.bz[t];
      const y = A.by[t];
      const x = A.bx[t];
      const gz = z < bz0 ? bz0 - z : z >= bz1 ? z - (bz1 - 1) : 0;
      const gy = y < by0 ? by0 - y : y >= by1 ? y - (by1 - 1) : 0;
      const gx = x < bx0 ? bx0 - x : x >= bx1 ? x - (bx1 - 1) : 0;
      if (gz === 0 && gy === 0 && gx === 0) continue;
      const lb = wx * gx * gx + (wy * gy * gy + gz * gz * wz);
      if (lb < thr) continue;
      // outward neighbours (along every axis where the voxel is outside box(B)) must not be in A
      const k = A.index[t];
      if (gz !== 0 && (z < bz0 ? z > 0 && la[k - hw] === a : z < d - 1 && la[k + hw] === a)) continue;
      if (gy !== 0 && (y < by0 ? y > 0 && la[k - w] === a : y < h - 1 && la[k + w] === a)) continue;
      if (gx !== 0 && (x < bx0 ? x > 0 && la[k - 1] === a : x < w - 1 && la[k + 1] === a)) continue;
      ct[nc] = t;
      clb[nc] = lb;
      nc++;
    }
  }
  if (nc === 0) return best;
  const order = s.order;
  order.length = 0;
  const thr2 = threshold();
  for (let c = 0; c < nc; c++) if (clb[c] >= thr2) order.push(c);
  order.sort((p, q) => clb[q] - clb[p]);
  for (const c of order) {
    if (clb[c] < threshold()) break;
    measure(ct[c]);
  }
  return best;
}

interface Dims {
  is3d: boolean;
  d: number;
  h: number;
  w: number;
  wz: number;
  wy: number;
  wx: number;
}

/**
 * Object Hausdorff term of the GlaS metrics, fast exact path: components and boxes once per side,
 * each object's EDT once inside its own box, directed distances from boundary candidates (see
 * `directedSquared`), nearest-object search pruned by {@link hausdorffLowerBound}.
 */
export function objectHausdorffFast(input: ObjectHausdorffInput): number {
  const { shape, spacing } = input;
  const ndim = shape.length;
  const d = ndim === 3 ? shape[0] : 1;
  const h = shape[ndim - 2];
  const w = shape[ndim - 1];
  const dims: Dims = {
    is3d: ndim === 3,
    d,
    h,
    w,
    wz: ndim === 3 ? spacing[0] * spacing[0] : 0,
    wy: spacing[ndim - 2] * spacing[ndim - 2],
    wx: spacing[ndim - 1] * spacing[ndim - 1],
  };
  const S = new ObjectGeometry(input.predLabels, input.predCount, shape, spacing, d, h, w);
  const G = new ObjectGeometry(input.targetLabels, input.targetCount, shape, spacing, d, h, w);
  const scratch: Scratch = { t: new Int32Array(0), lb: new Float64Array(0), order: [] };
  const pair = (j: number, i: number): number =>
    Math.sqrt(Math.max(directedSquared(S, j, G, i, dims, scratch), directedSquared(G, i, S, j, dims, scratch)));
  return weightedObjectHausdorff(input, S.boxes, G.boxes, pair, (a, b) => hausdorffLowerBound(a, b, spacing));
}
