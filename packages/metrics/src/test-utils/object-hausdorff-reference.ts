import { type Box, boxShape, extractCrop, labelBoundingBoxes, unionBox } from '../bounding-box.js';
import { squaredDistanceToSites } from '../euclidean-distance-transform.js';
import { boxGap, type ObjectHausdorffInput, weightedObjectHausdorff } from '../object-hausdorff.js';

/**
 * Object Hausdorff term of the GlaS metrics, reference path (the implementation of @agcl/metrics
 * 0.1.0, kept for tests and the benchmark; not exported, and not published: `test-utils` is left out
 * of the package): every pair's Hausdorff distance from two distance transforms over the pair's union
 * box, nearest-object search pruned by the box gap only.
 * Exact, but a pair involving a large object costs a transform of the whole box, once per pair.
 */
export function objectHausdorffReference(input: ObjectHausdorffInput): number {
  const { shape, spacing, predLabels: sl, targetLabels: gl } = input;
  const boxS = labelBoundingBoxes(sl, shape, input.predCount + 1);
  const boxG = labelBoundingBoxes(gl, shape, input.targetCount + 1);
  const pair = (j: number, i: number): number => pairHausdorffReference(sl, j, boxS[j] as Box, gl, i, boxG[i] as Box, shape, spacing);
  return weightedObjectHausdorff(input, boxS, boxG, pair, (a, b) => boxGap(a, b, spacing));
}

/** Hausdorff distance between the full pixel sets of object j of `sl` and object i of `gl`. */
function pairHausdorffReference(
  sl: Int32Array,
  j: number,
  bs: Box,
  gl: Int32Array,
  i: number,
  bg: Box,
  shape: readonly number[],
  spacing: readonly number[],
): number {
  const box = unionBox(bs, bg);
  const cs = boxShape(box);
  const a = extractCrop(sl, shape, box, j);
  const b = extractCrop(gl, shape, box, i);
  const da = squaredDistanceToSites(a, cs, spacing);
  const db = squaredDistanceToSites(b, cs, spacing);
  let max = 0;
  for (let k = 0; k < a.length; k++) {
    if (b[k] !== 0 && da[k] > max) max = da[k];
    if (a[k] !== 0 && db[k] > max) max = db[k];
  }
  return Math.sqrt(max);
}
