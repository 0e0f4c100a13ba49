/**
 * Percentile with linear interpolation, as `numpy.percentile(values, q)` (default method 'linear'):
 * with sorted values `a` and `r = (q / 100) (n - 1)`, the result is `a[floor r] + (a[ceil r] - a[floor r]) (r - floor r)`.
 * Runs in expected linear time (quickselect on a copy); `values` is not modified. NaN for an empty array.
 *
 * @param values numbers, any order; not modified.
 * @param q percentile in `[0, 100]`.
 * @example percentile(new Float64Array([1, 2, 3, 4]), 95) // 3.85
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 100)) {
    throw new Error(`percentile: argument 'q' must be a number in [0, 100], got ${String(q)}`);
  }
  const n = values.length;
  if (n === 0) return NaN;
  const a = Float64Array.from(values);
  const rank = (q / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  const t = rank - lo;
  select(a, lo, 0, n - 1);
  const va = a[lo];
  if (t === 0 || hi === lo) return va;
  // After selecting lo, the (lo+1)-th smallest is the minimum of the right part.
  let vb = Infinity;
  for (let i = lo + 1; i < n; i++) if (a[i] < vb) vb = a[i];
  // numpy's _lerp: a + (b - a) t, computed from the b side when t >= 0.5.
  const diff = vb - va;
  return t >= 0.5 ? vb - diff * (1 - t) : va + diff * t;
}

/** Hoare quickselect (median-of-three pivot): places the k-th smallest at a[k], smaller left, larger right. */
function select(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    // median of three pivot
    const mid = (left + right) >>> 1;
    let x = a[left], y = a[mid], z = a[right];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}
